import { spawnSync } from 'node:child_process';
import type { LibvirtDriverOptions } from '../../../src/virt/libvirt/config.js';
import { LibvirtDriver } from '../../../src/virt/libvirt/driver.js';
import { qemuProblem } from '../../support/qemu.js';

/** Null when libvirtd answers on qemu:///system (scripts/start-libvirtd.sh starts it), else why not. */
export function libvirtProblem(): string | null {
  const qemu = qemuProblem();
  if (qemu) return qemu;
  const r = spawnSync('virsh', ['-c', 'qemu:///system', 'version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return 'virsh is not installed (run scripts/setup.sh)';
  if (r.status !== 0) return `libvirtd does not answer (${(r.stderr || r.stdout).trim()}); run scripts/start-libvirtd.sh as root`;
  return null;
}

/** A libvirt driver (TCG domains) over a private instances_path. */
export function makeLibvirtDriver(instancesPath: string, over: Partial<LibvirtDriverOptions> = {}): LibvirtDriver {
  return new LibvirtDriver({
    host: 'test-libvirt',
    hostIp: '127.0.0.1',
    instancesPath,
    baseDirName: '_base',
    forceRawImages: true,
    disks: {
      imagesType: 'qcow2',
      preallocate: false,
      defaultEphemeralFormat: null,
      virtMkfs: ['default=mkfs.ext3 -L %(fs_label)s -F %(target)s'],
      configDrive: { format: 'iso9660', mkisofsCmd: 'genisoimage', tempDir: null },
      keepKernels: true,
    },
    snapshotFormat: null,
    rescueImageId: null,
    imageCache: {
      removeUnusedBaseImages: true,
      removeUnusedKernels: false,
      resizedMinimumAgeSeconds: 3600,
      originalMinimumAgeSeconds: 86400,
      checksumBaseImages: false,
      checksumIntervalSeconds: 3600,
    },
    vnc: { listen: '127.0.0.1', proxyclientAddress: '127.0.0.1', keymap: 'en-us' },
    libvirtType: 'qemu',
    uri: 'qemu:///system',
    // The contract reboots guests that have not finished booting, so they never hear the power button.
    waitSoftRebootSeconds: 2,
    cpuMode: 'none',
    cpuModel: null,
    useVirtioForBridges: true,
    useUsbTablet: true,
    snapshotsDirectory: `${instancesPath}/snapshots`,
    snapshotCompression: false,
    liveMigrationUri: 'qemu+tcp://%s/system',
    liveMigrationBandwidth: 0,
    userNetwork: true,
    metadataForward: null,
    metadataSecret: null,
    biosSerialConsole: true,
    ...over,
  });
}
