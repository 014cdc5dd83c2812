import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import type { GuestSpec } from '../../../../src/virt/guest-spec.js';
import { type DomainSettings, domainXml } from '../../../../src/virt/libvirt/domain-xml.js';

const spec: GuestSpec = {
  uuid: '6d1c4c58-0000-4000-8000-00000000002a',
  name: 'instance-0000002a',
  host: 'compute-1',
  memoryMb: 128,
  vcpus: 1,
  imageRef: 'img',
  disks: [
    { name: 'disk', path: '/i/u/disk', format: 'qcow2', device: 'disk', bus: 'virtio', dev: 'vda', readOnly: false },
    { name: 'disk.config', path: '/i/u/disk.config', format: 'raw', device: 'cdrom', bus: 'ide', dev: 'hdd', readOnly: true },
  ],
  kernel: null,
  nics: [{ vifId: 'v1', mac: 'fa:16:3e:00:00:2a', mode: 'bridge', bridge: 'br100', tap: 'tapv1' }],
  rescued: false,
};

const settings: DomainSettings = {
  type: 'kvm',
  cpuMode: 'host-model',
  cpuModel: null,
  vnc: { listen: '127.0.0.1', proxyclientAddress: '127.0.0.1', keymap: 'en-us' },
  useUsbTablet: true,
  useVirtio: true,
  consoleLog: '/i/u/console.log',
  diskCache: 'none',
  metadataSocket: '/var/lib/nova/instances/u/metadata.sock',
  biosSerialPortFile: null,
  hostUuid: 'h-uuid',
};

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['disk', 'interface', 'serial', 'entry', 'qemu:arg', 'timer'].includes(name),
});

// biome-ignore lint/suspicious/noExplicitAny: a parsed XML tree is walked freely here
function parse(xml: string): any {
  return parser.parse(xml).domain;
}

describe('libvirt domain XML', () => {
  it('has Grizzly’s shape: type, uuid, memory in KiB, sysinfo, boot from disk, ACPI, host-model CPU, kvm timers', () => {
    const d = parse(domainXml(spec, settings));
    assert.equal(d.type, 'kvm');
    assert.equal(d.uuid, spec.uuid);
    assert.equal(d.name, 'instance-0000002a');
    assert.deepEqual(d.memory, { unit: 'KiB', '#text': 131072 });
    assert.equal(d.vcpu, 1);
    assert.deepEqual(
      d.sysinfo.system.entry.map((e: { name: string; '#text': string }) => [e.name, e['#text']]),
      [
        ['manufacturer', 'OpenStack Foundation'],
        ['product', 'OpenStack Nova'],
        ['version', '2013.1.5'],
        ['serial', 'h-uuid'],
        ['uuid', spec.uuid],
      ],
    );
    assert.equal(d.os.boot.dev, 'hd');
    assert.equal(d.os.smbios.mode, 'sysinfo');
    assert.ok('acpi' in d.features && 'apic' in d.features);
    assert.deepEqual(d.cpu, { mode: 'host-model', match: 'exact' });
    assert.deepEqual(
      d.clock.timer.map((t: { name: string }) => t.name),
      ['pit', 'rtc'],
    );
  });

  it('lists the disks in order with the config drive as a read-only IDE cdrom, and a bridge interface with its tap', () => {
    const d = parse(domainXml(spec, settings));
    const [root, config] = d.devices.disk;
    assert.deepEqual(root.driver, { name: 'qemu', type: 'qcow2', cache: 'none' });
    assert.deepEqual(root.target, { dev: 'vda', bus: 'virtio' });
    assert.equal(config.device, 'cdrom');
    assert.deepEqual(config.target, { dev: 'hdd', bus: 'ide' });
    assert.ok('readonly' in config);
    const [nic] = d.devices.interface;
    assert.equal(nic.type, 'bridge');
    assert.equal(nic.source.bridge, 'br100');
    assert.equal(nic.target.dev, 'tapv1');
    assert.equal(nic.mac.address, 'fa:16:3e:00:00:2a');
    assert.equal(nic.model.type, 'virtio');
  });

  it('logs the serial console to console.log beside a pty, with a tablet and VNC on the configured address', () => {
    const d = parse(domainXml(spec, settings));
    assert.deepEqual(d.devices.serial[0].source, { path: '/i/u/console.log', append: 'on' });
    assert.equal(d.devices.serial[1].type, 'pty');
    assert.deepEqual(d.devices.input, { type: 'tablet', bus: 'usb' });
    assert.deepEqual(d.devices.graphics, { type: 'vnc', autoport: 'yes', keymap: 'en-us', listen: '127.0.0.1' });
    assert.equal(d['qemu:commandline'], undefined, 'nothing passed through for a bridged guest');
  });

  it('passes a user-mode NIC with the metadata forward through to QEMU, on a PCI slot of its own', () => {
    const user = { ...spec, nics: [{ vifId: 'v1', mac: 'fa:16:3e:00:00:2a', mode: 'user' as const, bridge: null, tap: null }] };
    const d = parse(domainXml(user, { ...settings, type: 'qemu', cpuMode: 'none', biosSerialPortFile: '/i/u/bios' }));
    assert.equal(d['xmlns:qemu'], 'http://libvirt.org/schemas/domain/qemu/1.0');
    const args = d['qemu:commandline']['qemu:arg'].map((a: { value: string }) => a.value);
    assert.equal(args[0], '-netdev');
    assert.match(
      args[1],
      /^user,id=hostnet-nova0,net=169\.254\.0\.0\/16,.*guestfwd=tcp:169\.254\.169\.254:80-cmd:socat - UNIX-CONNECT:\/var\/lib\/nova\/instances\/u\/metadata\.sock$/,
    );
    assert.equal(args[3], 'virtio-net-pci,netdev=hostnet-nova0,mac=fa:16:3e:00:00:2a,bus=pci.0,addr=0x10,romfile=');
    assert.deepEqual(args.slice(4), ['-fw_cfg', 'name=etc/sercon-port,file=/i/u/bios']);
    assert.equal(d.devices.interface, undefined);
    assert.equal(d.cpu, undefined);
    assert.equal(d.clock.timer, undefined);
  });

  it('boots a kernel and ramdisk with Grizzly’s command line when the spec has them', () => {
    const d = parse(
      domainXml(
        { ...spec, kernel: { kernel: '/i/u/kernel', ramdisk: '/i/u/ramdisk', cmdline: 'root=/dev/vda console=tty0 console=ttyS0' } },
        settings,
      ),
    );
    assert.equal(d.os.kernel, '/i/u/kernel');
    assert.equal(d.os.initrd, '/i/u/ramdisk');
    assert.equal(d.os.cmdline, 'root=/dev/vda console=tty0 console=ttyS0');
    assert.equal(d.os.boot, undefined);
  });
});
