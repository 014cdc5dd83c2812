/** The DNS driver a `*_dns_manager` option names. */

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfig } from '../../common/errors.js';
import { commonOpts } from '../../config/common-opts.js';
import type { Config } from '../../config/config.js';
import type { DnsDriver } from './driver.js';
import { MINIDNS_DRIVER, MiniDns } from './minidns.js';
import { NOOP_DNS_DRIVER, NoopDnsDriver } from './noop.js';

/** MiniDNS keeps its file in log_dir (as Grizzly's did), else the system's temp directory. */
export function loadDnsDriver(conf: Config, name: string | null): DnsDriver {
  const driver = name || NOOP_DNS_DRIVER;
  if (driver === NOOP_DNS_DRIVER) return new NoopDnsDriver();
  if (driver === MINIDNS_DRIVER) return new MiniDns(join(conf.get(commonOpts).log_dir ?? tmpdir(), 'dnstest.txt'));
  throw new InvalidConfig(`unknown DNS driver ${driver} (known: ${NOOP_DNS_DRIVER}, ${MINIDNS_DRIVER})`);
}
