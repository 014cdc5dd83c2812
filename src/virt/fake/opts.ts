import { InvalidConfig } from '../../common/errors.js';
import { commonOpts } from '../../config/common-opts.js';
import type { Config } from '../../config/config.js';
import { defineGroup, opt } from '../../config/registry.js';

export const FAKE_OPERATIONS = [
  'spawn',
  'destroy',
  'reboot',
  'power_off',
  'power_on',
  'pause',
  'unpause',
  'suspend',
  'resume',
  'rescue',
  'unrescue',
  'snapshot',
  'set_admin_password',
  'migrate_disk_and_power_off',
  'finish_migration',
  'finish_revert_migration',
  'live_migration',
  'attach_volume',
  'detach_volume',
] as const;

export type FakeOperation = (typeof FAKE_OPERATIONS)[number];

/** nova-ts additions: Grizzly's fake driver had fixed numbers and answered instantly. */
export const fakeDriverOpts = defineGroup('DEFAULT', {
  fake_vcpus: opt.int(1, 'vCPUs the fake hypervisor reports for each node.', { min: 0 }),
  fake_memory_mb: opt.int(8192, 'Memory (MiB) the fake hypervisor reports for each node.', { min: 0 }),
  fake_local_gb: opt.int(1028, 'Local disk (GiB) the fake hypervisor reports for each node.', { min: 0 }),
  fake_hypervisor_hostname: opt.str(null, 'Node name the fake hypervisor reports; defaults to the host option.'),
  fake_spawn_delay_ms: opt.int(0, 'Milliseconds the fake driver takes to spawn a guest, to imitate a slow hypervisor.', { min: 0 }),
  fake_destroy_delay_ms: opt.int(0, 'Milliseconds the fake driver takes to destroy a guest.', { min: 0 }),
  fake_delays_ms: opt.dict(
    {},
    `Milliseconds other fake driver operations take, as operation:ms pairs (e.g. reboot:200,snapshot:1000). Operations: ${FAKE_OPERATIONS.join(', ')}.`,
  ),
});

export interface FakeDriverOptions {
  /** The compute host this driver serves. */
  host: string;
  /** Node names; the first is the default node. */
  nodes: string[];
  vcpus: number;
  memoryMb: number;
  localGb: number;
  /** Address reported as the host's and the consoles'. */
  hostIp: string;
  delaysMs: Partial<Record<FakeOperation, number>>;
}

/** Reads the fake driver's options; an unknown operation or a bad number in fake_delays_ms is a config error. */
export function fakeDriverOptionsFromConf(conf: Config): FakeDriverOptions {
  const common = conf.get(commonOpts);
  const fake = conf.get(fakeDriverOpts);
  const host = common.host ?? 'localhost';
  const delaysMs: Partial<Record<FakeOperation, number>> = {};
  for (const [name, value] of Object.entries(fake.fake_delays_ms)) {
    if (!(FAKE_OPERATIONS as readonly string[]).includes(name)) {
      throw new InvalidConfig(`fake_delays_ms: unknown operation ${name}; known: ${FAKE_OPERATIONS.join(', ')}`);
    }
    const ms = Number(value);
    if (!Number.isInteger(ms) || ms < 0)
      throw new InvalidConfig(`fake_delays_ms: ${name} must be a whole number of milliseconds, got ${value}`);
    delaysMs[name as FakeOperation] = ms;
  }
  if (fake.fake_spawn_delay_ms) delaysMs.spawn = fake.fake_spawn_delay_ms;
  if (fake.fake_destroy_delay_ms) delaysMs.destroy = fake.fake_destroy_delay_ms;
  return {
    host,
    nodes: [fake.fake_hypervisor_hostname ?? host],
    vcpus: fake.fake_vcpus ?? 1,
    memoryMb: fake.fake_memory_mb ?? 8192,
    localGb: fake.fake_local_gb ?? 1028,
    hostIp: common.my_ip ?? '127.0.0.1',
    delaysMs,
  };
}
