/**
 * EC2's `block-device-mapping/` of an instance (`instance_block_mapping` in Grizzly's
 * `nova/block_device.py`): the root device, the default ephemeral and swap devices, the
 * `ephemeralN`/`swap` rows and the volumes as `ebs0..N` sorted by device name.
 */

export interface BlockDeviceRow {
  device_name: string | null;
  volume_id: string | null;
  snapshot_id: string | null;
  virtual_name: string | null;
  no_device: boolean | null;
}

export interface InstanceDevices {
  rootDeviceName: string | null;
  defaultEphemeralDevice: string | null;
  defaultSwapDevice: string | null;
}

/** What EC2 reports for an instance whose driver never named its root device. */
const DEFAULT_MAPPINGS: Readonly<Record<string, string>> = { ami: 'sda1', ephemeral0: 'sda2', root: '/dev/sda1', swap: 'sda3' };

const EPHEMERAL = /^ephemeral(\d|[1-9]\d+)$/;

export function isSwapOrEphemeral(virtualName: string): boolean {
  return virtualName === 'swap' || EPHEMERAL.test(virtualName);
}

export function stripDev(deviceName: string): string {
  return deviceName.replace(/^\/dev\//, '');
}

export function instanceBlockMapping(instance: InstanceDevices, bdms: readonly BlockDeviceRow[]): Record<string, string> {
  const root = instance.rootDeviceName;
  if (!root) return { ...DEFAULT_MAPPINGS };
  const mappings: Record<string, string> = { ami: stripDev(root), root };
  if (instance.defaultEphemeralDevice) mappings.ephemeral0 = instance.defaultEphemeralDevice;
  if (instance.defaultSwapDevice) mappings.swap = instance.defaultSwapDevice;
  const ebs: string[] = [];
  for (const bdm of bdms) {
    if (bdm.no_device || !bdm.device_name) continue;
    if (bdm.volume_id || bdm.snapshot_id) {
      ebs.push(bdm.device_name);
      continue;
    }
    if (bdm.virtual_name && isSwapOrEphemeral(bdm.virtual_name)) mappings[bdm.virtual_name] = bdm.device_name;
  }
  ebs.sort();
  ebs.forEach((device, i) => {
    mappings[`ebs${i}`] = device;
  });
  return mappings;
}
