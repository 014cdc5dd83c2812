import { defineGroup, opt } from '../config/registry.js';

export const DB_QUOTA_DRIVER = 'nova.quota.DbQuotaDriver';
export const NOOP_QUOTA_DRIVER = 'nova.quota.NoopQuotaDriver';

/** Per-project defaults; a quota row of the project (or of its quota class) overrides each. -1 is unlimited. */
export const quotaOpts = defineGroup('DEFAULT', {
  quota_instances: opt.int(10, 'Number of instances allowed per project.', { min: -1 }),
  quota_cores: opt.int(20, 'Number of instance cores (vCPUs) allowed per project.', { min: -1 }),
  quota_ram: opt.int(51200, 'Megabytes of instance RAM allowed per project.', { min: -1 }),
  quota_floating_ips: opt.int(10, 'Number of floating IPs allowed per project.', { min: -1 }),
  quota_fixed_ips: opt.int(-1, 'Number of fixed IPs allowed per project (at least the number of instances when set).', { min: -1 }),
  quota_metadata_items: opt.int(128, 'Number of metadata items allowed per instance.', { min: -1 }),
  quota_injected_files: opt.int(5, 'Number of injected (personality) files allowed per instance.', { min: -1 }),
  quota_injected_file_content_bytes: opt.int(10240, 'Bytes of content allowed per injected file.', { min: -1 }),
  quota_injected_file_path_bytes: opt.int(255, 'Bytes allowed per injected file path.', { min: -1 }),
  quota_security_groups: opt.int(10, 'Number of security groups allowed per project.', { min: -1 }),
  quota_security_group_rules: opt.int(20, 'Number of rules allowed per security group.', { min: -1 }),
  quota_key_pairs: opt.int(100, 'Number of key pairs allowed per user.', { min: -1 }),
  quota_server_groups: opt.int(10, 'Number of server groups allowed per project (a limit clients of the v2.1 API expect).', { min: -1 }),
  quota_server_group_members: opt.int(10, 'Number of servers allowed per server group.', { min: -1 }),
  quota_driver: opt.str(DB_QUOTA_DRIVER, 'Quota driver: limits from the database, or no limits at all.', {
    choices: [DB_QUOTA_DRIVER, NOOP_QUOTA_DRIVER],
  }),
  reservation_expire: opt.int(86400, 'Accepted for Grizzly compatibility; nova-ts counts usage instead of reserving it, so it is unused.'),
  until_refresh: opt.int(0, 'Accepted for Grizzly compatibility; usage is always counted, so there is nothing to refresh.'),
  max_age: opt.int(0, 'Accepted for Grizzly compatibility; usage is always counted, so there is nothing to refresh.'),
});

/** The os-tenant-networks extension's quota; the networks resource exists only when enabled. */
export const networkQuotaOpts = defineGroup('DEFAULT', {
  enable_network_quota: opt.bool(false, 'Enforce a per-project limit on networks created through os-tenant-networks.'),
  quota_networks: opt.int(3, 'Number of private networks allowed per project.', { min: -1 }),
});
