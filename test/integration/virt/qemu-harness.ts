import { join } from 'node:path';
import type { QemuDriverOptions } from '../../../src/virt/qemu/config.js';
import { QemuDriver } from '../../../src/virt/qemu/driver.js';

/** A QEMU driver over a private instances_path, with settings that keep tests short. */
export function makeQemuDriver(instancesPath: string, over: Partial<QemuDriverOptions> = {}): QemuDriver {
  return new QemuDriver({
    host: 'test-qemu',
    hostIp: '127.0.0.1',
    instancesPath,
    baseDirName: '_base',
    binary: 'qemu-system-x86_64',
    accel: 'auto',
    machine: 'pc',
    vifType: 'user',
    metadataForward: null,
    metadataSecret: null,
    sshForward: false,
    restrictUserNetwork: true,
    biosSerialConsole: true,
    // The contract reboots guests that have not finished booting, so they never hear the power button.
    waitSoftRebootSeconds: 2,
    launchTimeoutSeconds: 60,
    liveMigrationListen: '127.0.0.1',
    vnc: { listen: '127.0.0.1', proxyclientAddress: '127.0.0.1', keymap: 'en-us' },
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
    ...over,
    ...(over.instancesPath ? {} : { instancesPath: join(instancesPath) }),
  });
}
