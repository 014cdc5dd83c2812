import type { Config } from '../config/config.js';
import { linuxNetOpts } from '../network/opts.js';
import type { ComputeDriver } from './driver.js';
import { ComputeDriverNotFound } from './errors.js';
import { FakeDriver } from './fake/driver.js';
import { fakeDriverOptionsFromConf } from './fake/opts.js';
import { loadFirewallDriver } from './firewall/factory.js';
import { NOOP_FIREWALL_DRIVER } from './firewall/noop.js';
import type { FirewallDriver, FirewallRuleSource } from './firewall/types.js';
import { libvirtDriverOptionsFromConf } from './libvirt/config.js';
import { LibvirtDriver } from './libvirt/driver.js';
import { virtOpts } from './opts.js';
import { qemuDriverOptionsFromConf } from './qemu/config.js';
import { QemuDriver } from './qemu/driver.js';

/** What the compute side lends a driver it builds. */
export interface DriverDeps {
  /** Where the firewall gets security group rules; without it the firewall is the no-op one. */
  firewallRules?: FirewallRuleSource;
}

type DriverMaker = (conf: Config, deps: DriverDeps) => ComputeDriver;

/** The firewall `firewall_driver` names (no-op when unset), for drivers that filter guest traffic. */
function firewallFor(conf: Config, deps: DriverDeps): { firewall?: FirewallDriver } {
  if (!deps.firewallRules) return {};
  return { firewall: loadFirewallDriver(conf, { source: deps.firewallRules, defaultDriver: NOOP_FIREWALL_DRIVER }) };
}

/** Where guests' metadata requests go by default: metadata_host:metadata_port (nova-network's options). */
function metadataAddress(conf: Config): string {
  const o = conf.get(linuxNetOpts);
  return `${o.metadata_host ?? '127.0.0.1'}:${o.metadata_port}`;
}

const fake: DriverMaker = (conf) => new FakeDriver(fakeDriverOptionsFromConf(conf));
const qemu: DriverMaker = (conf, deps) =>
  new QemuDriver({ ...qemuDriverOptionsFromConf(conf, metadataAddress(conf)), ...firewallFor(conf, deps) });
const libvirt: DriverMaker = (conf, deps) =>
  new LibvirtDriver({ ...libvirtDriverOptionsFromConf(conf, metadataAddress(conf)), ...firewallFor(conf, deps) });

/**
 * Drivers by every name nova.conf may give them: Grizzly's full class path, the short form
 * relative to `nova.virt`, and a bare name.
 */
const DRIVERS: ReadonlyMap<string, DriverMaker> = new Map<string, DriverMaker>([
  ['nova.virt.fake.FakeDriver', fake],
  ['fake.FakeDriver', fake],
  ['fake', fake],
  ['nova.virt.qemu.QemuDriver', qemu],
  ['qemu.QemuDriver', qemu],
  ['qemu', qemu],
  ['nova.virt.libvirt.LibvirtDriver', libvirt],
  ['nova.virt.libvirt.driver.LibvirtDriver', libvirt],
  ['libvirt.LibvirtDriver', libvirt],
  ['libvirt', libvirt],
]);

export const KNOWN_DRIVER_NAMES: readonly string[] = [...DRIVERS.keys()];

/** The driver `compute_driver` names; ComputeDriverNotFound when unset or unknown. */
export function loadDriver(conf: Config, deps: DriverDeps = {}): ComputeDriver {
  const name = conf.get(virtOpts).compute_driver?.trim() || null;
  const make = name ? DRIVERS.get(name) : undefined;
  if (!make) throw new ComputeDriverNotFound(name, KNOWN_DRIVER_NAMES);
  return make(conf, deps);
}
