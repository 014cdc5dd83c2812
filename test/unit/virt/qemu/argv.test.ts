import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GuestSpec } from '../../../../src/virt/guest-spec.js';
import { buildQemuArgv, type LaunchSettings } from '../../../../src/virt/qemu/argv.js';

const spec: GuestSpec = {
  uuid: '6d1c4c58-0000-4000-8000-00000000002a',
  name: 'instance-0000002a',
  host: 'compute-1',
  memoryMb: 128,
  vcpus: 2,
  imageRef: 'img',
  disks: [
    { name: 'disk', path: '/var/lib/nova/instances/u/disk', format: 'qcow2', device: 'disk', bus: 'virtio', dev: 'vda', readOnly: false },
    {
      name: 'disk.local',
      path: '/var/lib/nova/instances/u/disk.local',
      format: 'qcow2',
      device: 'disk',
      bus: 'virtio',
      dev: 'vdb',
      readOnly: false,
    },
    {
      name: 'disk.config',
      path: '/var/lib/nova/instances/u/disk.config',
      format: 'raw',
      device: 'cdrom',
      bus: 'ide',
      dev: 'hdd',
      readOnly: true,
    },
  ],
  kernel: null,
  nics: [{ vifId: 'v1', mac: 'fa:16:3e:00:00:2a', mode: 'user', bridge: null, tap: null }],
  rescued: false,
};

const settings: LaunchSettings = {
  qmpSocket: '/var/lib/nova/instances/u/qmp.sock',
  consoleLog: '/var/lib/nova/instances/u/console.log',
  accel: 'tcg',
  machine: 'pc',
  vnc: { listen: '127.0.0.1', keymap: 'en-us' },
  metadataSocket: '/var/lib/nova/instances/u/metadata.sock',
  sshPort: 10022,
  restrictUserNetwork: false,
  incoming: null,
  hostUuid: 'host-uuid',
  biosSerialPortFile: null,
};

/** The value following each occurrence of `flag`. */
function values(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] as string] : []));
}

describe('QEMU command line', () => {
  it('names disks as -blockdev nodes, boots from the first, and puts the config drive on the second IDE bus as a cdrom', () => {
    const argv = buildQemuArgv(spec, settings);
    const blockdevs = values(argv, '-blockdev').map((j) => JSON.parse(j) as Record<string, unknown>);
    assert.deepEqual(
      blockdevs.map((b) => [b['node-name'], b.driver, (b.file as { filename: string }).filename, b['read-only']]),
      [
        ['vda', 'qcow2', '/var/lib/nova/instances/u/disk', false],
        ['vdb', 'qcow2', '/var/lib/nova/instances/u/disk.local', false],
        ['hdd', 'raw', '/var/lib/nova/instances/u/disk.config', true],
      ],
    );
    const devices = values(argv, '-device');
    assert.ok(devices.includes('virtio-blk-pci,drive=vda,id=vda-dev,bootindex=1'));
    assert.ok(devices.includes('virtio-blk-pci,drive=vdb,id=vdb-dev'));
    assert.ok(devices.includes('ide-cd,drive=hdd,id=hdd-dev,bus=ide.1,unit=1'));
  });

  it('gives a user-mode NIC the link-local network, a metadata guestfwd to its forwarder’s socket and the SSH hostfwd', () => {
    const argv = buildQemuArgv(spec, settings);
    const [netdev] = values(argv, '-netdev');
    assert.equal(
      netdev,
      'user,id=net0,net=169.254.0.0/16,host=169.254.0.2,dhcpstart=169.254.0.15,hostname=instance-0000002a,' +
        'guestfwd=tcp:169.254.169.254:80-cmd:socat - UNIX-CONNECT:/var/lib/nova/instances/u/metadata.sock,hostfwd=tcp:127.0.0.1:10022-:22',
    );
    assert.ok(values(argv, '-device').includes('virtio-net-pci,netdev=net0,id=net0-dev,mac=fa:16:3e:00:00:2a,romfile='));
    assert.match(buildQemuArgv(spec, { ...settings, restrictUserNetwork: true }).join(' '), /restrict=on/);
  });

  it('opens an existing tap for a bridged NIC', () => {
    const bridged = { ...spec, nics: [{ vifId: 'v1', mac: 'fa:16:3e:00:00:2a', mode: 'bridge' as const, bridge: 'br100', tap: 'tapv1' }] };
    assert.deepEqual(values(buildQemuArgv(bridged, settings), '-netdev'), ['tap,id=net0,ifname=tapv1,script=no,downscript=no']);
  });

  it('keeps QEMU alive after a guest power-off, puts QMP and the console where the driver reads them', () => {
    const argv = buildQemuArgv(spec, settings);
    assert.ok(argv.includes('-no-shutdown'));
    assert.ok(argv.includes('-nodefaults'));
    assert.deepEqual(values(argv, '-chardev'), [
      'socket,id=monitor,path=/var/lib/nova/instances/u/qmp.sock,server=on,wait=off',
      'file,id=serial0,path=/var/lib/nova/instances/u/console.log,append=on',
    ]);
    assert.deepEqual(values(argv, '-serial'), ['chardev:serial0']);
    assert.deepEqual(values(argv, '-vnc'), ['127.0.0.1:0,to=99']);
    assert.deepEqual(values(argv, '-accel'), ['tcg']);
    assert.deepEqual(values(argv, '-smp'), ['2']);
    assert.deepEqual(values(argv, '-m'), ['128']);
  });

  it('doubles commas in paths inside option values, boots a kernel when the spec has one, and listens for an incoming state', () => {
    const argv = buildQemuArgv(
      { ...spec, disks: [], kernel: { kernel: '/k/vmlinuz', ramdisk: '/k/initrd', cmdline: 'root=/dev/vda console=ttyS0' } },
      {
        ...settings,
        qmpSocket: '/odd,dir/qmp.sock',
        incoming: 'exec:cat /x',
        vnc: null,
        accel: 'kvm',
        biosSerialPortFile: '/odd,dir/bios',
      },
    );
    assert.ok(values(argv, '-chardev').includes('socket,id=monitor,path=/odd,,dir/qmp.sock,server=on,wait=off'));
    assert.deepEqual(values(argv, '-kernel'), ['/k/vmlinuz']);
    assert.deepEqual(values(argv, '-initrd'), ['/k/initrd']);
    assert.deepEqual(values(argv, '-append'), ['root=/dev/vda console=ttyS0']);
    assert.deepEqual(values(argv, '-incoming'), ['exec:cat /x']);
    assert.deepEqual(values(argv, '-vga'), ['none']);
    assert.deepEqual(values(argv, '-cpu'), ['host']);
    assert.deepEqual(values(argv, '-fw_cfg'), ['name=etc/sercon-port,file=/odd,,dir/bios']);
  });
});
