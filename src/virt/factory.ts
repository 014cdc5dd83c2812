import type { Config } from '../config/config.js';
import type { ComputeDriver } from './driver.js';
import { ComputeDriverNotFound } from './errors.js';
import { FakeDriver } from './fake/driver.js';
import { fakeDriverOptionsFromConf } from './fake/opts.js';
import { virtOpts } from './opts.js';

type DriverMaker = (conf: Config) => ComputeDriver;

/**
 * Drivers by every name nova.conf may give them: Grizzly's full class path, the short form
 * relative to `nova.virt`, and a bare name.
 */
const DRIVERS: ReadonlyMap<string, DriverMaker> = new Map<string, DriverMaker>([
  ['nova.virt.fake.FakeDriver', (conf) => new FakeDriver(fakeDriverOptionsFromConf(conf))],
  ['fake.FakeDriver', (conf) => new FakeDriver(fakeDriverOptionsFromConf(conf))],
  ['fake', (conf) => new FakeDriver(fakeDriverOptionsFromConf(conf))],
]);

export const KNOWN_DRIVER_NAMES: readonly string[] = [...DRIVERS.keys()];

/** The driver `compute_driver` names; ComputeDriverNotFound when unset or unknown. */
export function loadDriver(conf: Config): ComputeDriver {
  const name = conf.get(virtOpts).compute_driver?.trim() || null;
  const make = name ? DRIVERS.get(name) : undefined;
  if (!make) throw new ComputeDriverNotFound(name, KNOWN_DRIVER_NAMES);
  return make(conf);
}
