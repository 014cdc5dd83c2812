import type { Config } from '../config/config.js';
import { defineGroup, opt } from '../config/registry.js';
import { serviceOpts } from '../service/opts.js';

export const DEFAULT_FILTERS = [
  'RetryFilter',
  'AvailabilityZoneFilter',
  'RamFilter',
  'ComputeFilter',
  'ComputeCapabilitiesFilter',
  'ImagePropertiesFilter',
  // Server group policies are enforced without extra configuration, as in later Nova.
  'GroupAntiAffinityFilter',
  'GroupAffinityFilter',
] as const;

export const schedulerOpts = defineGroup('DEFAULT', {
  scheduler_driver: opt.str('nova.scheduler.filter_scheduler.FilterScheduler', 'Scheduler driver the scheduler manager uses.'),
  scheduler_host_manager: opt.str('nova.scheduler.host_manager.HostManager', 'Host manager class the scheduler drivers use.'),
  compute_scheduler_driver: opt.str(
    'nova.scheduler.filter_scheduler.FilterScheduler',
    'Driver for compute requests when scheduler_driver is the MultiScheduler.',
  ),
  default_scheduler_driver: opt.str(
    'nova.scheduler.chance.ChanceScheduler',
    'Driver for everything else when scheduler_driver is the MultiScheduler.',
  ),
  scheduler_max_attempts: opt.int(
    3,
    'Attempts to schedule an instance before giving up (1 disables re-scheduling). Values below 1 make every scheduling request fail.',
  ),
  scheduler_host_subset_size: opt.int(
    1,
    'Pick the host at random among this many best-weighed hosts; 1 always picks the best. Values below 1 count as 1.',
  ),
  scheduler_available_filters: opt.multi(
    ['nova.scheduler.filters.all_filters'],
    'Filter classes the scheduler may use; nova.scheduler.filters.all_filters stands for every built-in filter. May be repeated.',
  ),
  scheduler_default_filters: opt.list([...DEFAULT_FILTERS], 'Filter class names applied, in order, when a request names none.'),
  scheduler_weight_classes: opt.list(
    ['nova.scheduler.weights.all_weighers'],
    'Weigher classes used to rank the hosts that pass the filters.',
  ),
  ram_weight_multiplier: opt.float(1.0, 'Multiplier of free RAM in the host weight: positive spreads instances, negative stacks them.'),
  least_cost_functions: opt.list([], 'Deprecated least-cost functions; setting this replaces the weighers with the legacy weighted sum.'),
  noop_cost_fn_weight: opt.float(1.0, 'Weight of the legacy noop cost function.'),
  compute_fill_first_cost_fn_weight: opt.float(
    null,
    'Weight of the legacy compute_fill_first_cost_fn; setting it switches to the legacy weighers (unset there means -1.0, which spreads).',
  ),
  scheduler_json_config_location: opt.str('', 'JSON file whose content filters and weighers receive as config_options; empty disables it.'),
  ram_allocation_ratio: opt.float(1.5, 'Virtual RAM to physical RAM ratio the RamFilter allows.'),
  cpu_allocation_ratio: opt.float(16.0, 'Virtual CPU to physical CPU ratio the CoreFilter allows.'),
  disk_allocation_ratio: opt.float(1.0, 'Virtual disk to physical disk ratio the DiskFilter allows.'),
  max_io_ops_per_host: opt.int(8, 'The IoOpsFilter rejects hosts with this many or more concurrent I/O-heavy tasks.'),
  max_instances_per_host: opt.int(50, 'The NumInstancesFilter rejects hosts with this many or more instances.'),
  isolated_images: opt.list([], 'Images that may only run on isolated_hosts (IsolatedHostsFilter).'),
  isolated_hosts: opt.list([], 'Hosts that may only run isolated_images (IsolatedHostsFilter).'),
  default_availability_zone: opt.str('nova', 'Availability zone of hosts that belong to no aggregate naming one.'),
  reserved_host_memory_mb: opt.int(512, 'Memory (MB) kept back for the host itself; the resource tracker counts it as used.'),
  reserved_host_disk_mb: opt.int(0, 'Disk (MB) kept back for the host itself; the resource tracker counts it as used.'),
});

export const trustedComputingOpts = defineGroup('trusted_computing', {
  attestation_server: opt.str(null, 'Host name or address of the OpenAttestation server.'),
  attestation_server_ca_file: opt.str(null, 'CA certificate file used to verify the attestation server.'),
  attestation_port: opt.str('8443', 'Port of the attestation server.'),
  attestation_api_url: opt.str('/OpenAttestationWebServices/V1.0', 'Path prefix of the attestation web API.'),
  attestation_auth_blob: opt.str(null, 'Value sent as x-auth-blob to the attestation server.', { secret: true }),
  attestation_auth_timeout: opt.int(60, 'Seconds a host attestation result stays valid.'),
});

/** Everything the scheduling core reads, with nulls resolved; built once from the configuration. */
export interface SchedulerSettings {
  scheduler_max_attempts: number;
  scheduler_host_subset_size: number;
  scheduler_available_filters: readonly string[];
  scheduler_default_filters: readonly string[];
  scheduler_weight_classes: readonly string[];
  ram_weight_multiplier: number;
  /** null when the option is not set: only a set value switches to the legacy weighers. */
  least_cost_functions: readonly string[] | null;
  noop_cost_fn_weight: number;
  compute_fill_first_cost_fn_weight: number | null;
  scheduler_json_config_location: string;
  ram_allocation_ratio: number;
  cpu_allocation_ratio: number;
  disk_allocation_ratio: number;
  max_io_ops_per_host: number;
  max_instances_per_host: number;
  isolated_images: readonly string[];
  isolated_hosts: readonly string[];
  default_availability_zone: string;
  service_down_time: number;
  trusted_computing: TrustedComputingSettings;
}

export interface TrustedComputingSettings {
  attestation_server: string | null;
  attestation_server_ca_file: string | null;
  attestation_port: string;
  attestation_api_url: string;
  attestation_auth_blob: string | null;
  attestation_auth_timeout: number;
}

function defaults<S extends Record<string, { default: unknown }>>(opts: S): { [K in keyof S]: S[K]['default'] } {
  return Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, v.default])) as { [K in keyof S]: S[K]['default'] };
}

/** The settings with every option at its registered default, overridden by `overrides` (tests, embedded setups). */
export function defaultSchedulerSettings(overrides: Partial<SchedulerSettings> = {}): SchedulerSettings {
  const d = defaults(schedulerOpts.opts);
  const t = defaults(trustedComputingOpts.opts);
  return {
    scheduler_max_attempts: d.scheduler_max_attempts ?? 3,
    scheduler_host_subset_size: d.scheduler_host_subset_size ?? 1,
    scheduler_available_filters: d.scheduler_available_filters,
    scheduler_default_filters: d.scheduler_default_filters,
    scheduler_weight_classes: d.scheduler_weight_classes,
    ram_weight_multiplier: d.ram_weight_multiplier ?? 1.0,
    least_cost_functions: null,
    noop_cost_fn_weight: d.noop_cost_fn_weight ?? 1.0,
    compute_fill_first_cost_fn_weight: d.compute_fill_first_cost_fn_weight,
    scheduler_json_config_location: d.scheduler_json_config_location ?? '',
    ram_allocation_ratio: d.ram_allocation_ratio ?? 1.5,
    cpu_allocation_ratio: d.cpu_allocation_ratio ?? 16.0,
    disk_allocation_ratio: d.disk_allocation_ratio ?? 1.0,
    max_io_ops_per_host: d.max_io_ops_per_host ?? 8,
    max_instances_per_host: d.max_instances_per_host ?? 50,
    isolated_images: d.isolated_images,
    isolated_hosts: d.isolated_hosts,
    default_availability_zone: d.default_availability_zone ?? 'nova',
    service_down_time: serviceOpts.opts.service_down_time.default ?? 60,
    trusted_computing: {
      attestation_server: t.attestation_server,
      attestation_server_ca_file: t.attestation_server_ca_file,
      attestation_port: t.attestation_port ?? '8443',
      attestation_api_url: t.attestation_api_url ?? '/OpenAttestationWebServices/V1.0',
      attestation_auth_blob: t.attestation_auth_blob,
      attestation_auth_timeout: t.attestation_auth_timeout ?? 60,
    },
    ...overrides,
  };
}

/** Reads the settings from a loaded configuration. */
export function schedulerSettingsFrom(conf: Config): SchedulerSettings {
  const d = conf.get(schedulerOpts);
  const t = conf.get(trustedComputingOpts);
  const base = defaultSchedulerSettings();
  return {
    scheduler_max_attempts: d.scheduler_max_attempts ?? base.scheduler_max_attempts,
    scheduler_host_subset_size: d.scheduler_host_subset_size ?? base.scheduler_host_subset_size,
    scheduler_available_filters: d.scheduler_available_filters,
    scheduler_default_filters: d.scheduler_default_filters,
    scheduler_weight_classes: d.scheduler_weight_classes,
    ram_weight_multiplier: d.ram_weight_multiplier ?? base.ram_weight_multiplier,
    least_cost_functions: conf.isSet(schedulerOpts.group, 'least_cost_functions') ? d.least_cost_functions : null,
    noop_cost_fn_weight: d.noop_cost_fn_weight ?? base.noop_cost_fn_weight,
    compute_fill_first_cost_fn_weight: d.compute_fill_first_cost_fn_weight,
    scheduler_json_config_location: d.scheduler_json_config_location ?? '',
    ram_allocation_ratio: d.ram_allocation_ratio ?? base.ram_allocation_ratio,
    cpu_allocation_ratio: d.cpu_allocation_ratio ?? base.cpu_allocation_ratio,
    disk_allocation_ratio: d.disk_allocation_ratio ?? base.disk_allocation_ratio,
    max_io_ops_per_host: d.max_io_ops_per_host ?? base.max_io_ops_per_host,
    max_instances_per_host: d.max_instances_per_host ?? base.max_instances_per_host,
    isolated_images: d.isolated_images,
    isolated_hosts: d.isolated_hosts,
    default_availability_zone: d.default_availability_zone ?? base.default_availability_zone,
    service_down_time: conf.get(serviceOpts).service_down_time ?? base.service_down_time,
    trusted_computing: {
      attestation_server: t.attestation_server,
      attestation_server_ca_file: t.attestation_server_ca_file,
      attestation_port: t.attestation_port ?? base.trusted_computing.attestation_port,
      attestation_api_url: t.attestation_api_url ?? base.trusted_computing.attestation_api_url,
      attestation_auth_blob: t.attestation_auth_blob,
      attestation_auth_timeout: t.attestation_auth_timeout ?? base.trusted_computing.attestation_auth_timeout,
    },
  };
}
