import { XMLBuilder } from 'fast-xml-parser';
import type { GuestDisk, GuestNic, GuestSpec } from '../guest-spec.js';
import { USER_NET } from '../qemu/argv.js';
import type { VncSettings } from '../settings.js';

export interface DomainSettings {
  type: 'kvm' | 'qemu';
  cpuMode: 'host-model' | 'host-passthrough' | 'custom' | 'none';
  cpuModel: string | null;
  vnc: VncSettings | null;
  useUsbTablet: boolean;
  useVirtio: boolean;
  consoleLog: string;
  /** `cache='none'` needs O_DIRECT on instances_path; otherwise writethrough (Grizzly's rule). */
  diskCache: 'none' | 'writethrough';
  /** Unix socket of the guest's metadata forwarder, which a user-mode NIC's 169.254.169.254:80 reaches. */
  metadataSocket: string | null;
  /** See LaunchSettings.biosSerialPortFile (QEMU driver). */
  biosSerialPortFile: string | null;
  hostUuid: string;
}

const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';
/** Passed-through NICs get fixed PCI slots from here on, clear of what libvirt assigns itself. */
const FIRST_PASSTHROUGH_SLOT = 0x10;

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
});

function disk(d: GuestDisk, cache: string): Record<string, unknown> {
  return {
    '@_type': 'file',
    '@_device': d.device,
    driver: { '@_name': 'qemu', '@_type': d.format, ...(d.device === 'disk' ? { '@_cache': cache } : {}) },
    source: { '@_file': d.path },
    target: { '@_dev': d.dev, '@_bus': d.bus },
    ...(d.readOnly ? { readonly: '' } : {}),
  };
}

function bridgeInterface(nic: GuestNic, useVirtio: boolean): Record<string, unknown> {
  return {
    '@_type': 'bridge',
    mac: { '@_address': nic.mac },
    source: { '@_bridge': nic.bridge },
    ...(nic.tap ? { target: { '@_dev': nic.tap } } : {}),
    ...(useVirtio ? { model: { '@_type': 'virtio' } } : {}),
    rom: { '@_enabled': 'no' },
  };
}

/** QEMU arguments libvirt has no element for: user-mode NICs with the metadata guestfwd, the BIOS serial console. */
function passthrough(spec: GuestSpec, s: DomainSettings): string[] {
  const args: string[] = [];
  spec.nics.forEach((nic, i) => {
    if (nic.mode !== 'user') return;
    const parts = [
      `user,id=hostnet-nova${i}`,
      `net=${USER_NET.net}`,
      `host=${USER_NET.host}`,
      `dhcpstart=${USER_NET.dhcpStart}`,
      `hostname=${spec.name}`,
    ];
    if (i === 0 && s.metadataSocket) {
      parts.push(`guestfwd=tcp:${USER_NET.metadata}:80-cmd:socat - UNIX-CONNECT:${s.metadataSocket.replaceAll(',', ',,')}`);
    }
    const slot = `0x${(FIRST_PASSTHROUGH_SLOT + i).toString(16)}`;
    args.push(
      '-netdev',
      parts.join(','),
      '-device',
      `virtio-net-pci,netdev=hostnet-nova${i},mac=${nic.mac},bus=pci.0,addr=${slot},romfile=`,
    );
  });
  if (s.biosSerialPortFile) args.push('-fw_cfg', `name=etc/sercon-port,file=${s.biosSerialPortFile.replaceAll(',', ',,')}`);
  return args;
}

/**
 * The domain XML of a guest in the shape of Grizzly's get_guest_config: sysinfo, boot
 * from the first disk (or a kernel), ACPI/APIC, disks in order with the config drive as
 * an IDE cdrom, bridge interfaces, the serial console into console.log plus a pty, a USB
 * tablet and VNC on the configured address.
 */
export function domainXml(spec: GuestSpec, s: DomainSettings): string {
  const os: Record<string, unknown> = { type: { '@_arch': 'x86_64', '@_machine': 'pc', '#text': 'hvm' } };
  if (spec.kernel) {
    os.kernel = spec.kernel.kernel;
    if (spec.kernel.ramdisk) os.initrd = spec.kernel.ramdisk;
    os.cmdline = spec.kernel.cmdline;
  } else {
    os.boot = { '@_dev': 'hd' };
  }
  os.smbios = { '@_mode': 'sysinfo' };
  const devices: Record<string, unknown> = {
    disk: spec.disks.map((d) => disk(d, s.diskCache)),
    interface: spec.nics.filter((n) => n.mode === 'bridge').map((n) => bridgeInterface(n, s.useVirtio)),
    serial: [
      { '@_type': 'file', source: { '@_path': s.consoleLog, '@_append': 'on' }, target: { '@_port': 0 } },
      { '@_type': 'pty', target: { '@_port': 1 } },
    ],
  };
  if (s.vnc) {
    if (s.useUsbTablet) devices.input = { '@_type': 'tablet', '@_bus': 'usb' };
    devices.graphics = { '@_type': 'vnc', '@_autoport': 'yes', '@_keymap': s.vnc.keymap, '@_listen': s.vnc.listen };
  }
  const extra = passthrough(spec, s);
  const domain: Record<string, unknown> = {
    '@_type': s.type,
    ...(extra.length ? { '@_xmlns:qemu': QEMU_NS } : {}),
    uuid: spec.uuid,
    name: spec.name,
    memory: { '@_unit': 'KiB', '#text': spec.memoryMb * 1024 },
    vcpu: spec.vcpus,
    sysinfo: {
      '@_type': 'smbios',
      system: {
        entry: [
          { '@_name': 'manufacturer', '#text': 'OpenStack Foundation' },
          { '@_name': 'product', '#text': 'OpenStack Nova' },
          { '@_name': 'version', '#text': '2013.1.5' },
          { '@_name': 'serial', '#text': s.hostUuid },
          { '@_name': 'uuid', '#text': spec.uuid },
        ],
      },
    },
    os,
    features: { acpi: '', apic: '' },
    clock: {
      '@_offset': 'utc',
      ...(s.type === 'kvm'
        ? {
            timer: [
              { '@_name': 'pit', '@_tickpolicy': 'delay' },
              { '@_name': 'rtc', '@_tickpolicy': 'catchup' },
            ],
          }
        : {}),
    },
    ...(s.cpuMode === 'none'
      ? {}
      : {
          cpu:
            s.cpuMode === 'custom'
              ? { '@_mode': 'custom', '@_match': 'exact', model: s.cpuModel ?? 'qemu64' }
              : { '@_mode': s.cpuMode, '@_match': 'exact' },
        }),
    devices,
    ...(extra.length ? { 'qemu:commandline': { 'qemu:arg': extra.map((value) => ({ '@_value': value })) } } : {}),
  };
  return builder.build({ domain }) as string;
}
