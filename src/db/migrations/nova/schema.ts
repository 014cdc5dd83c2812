/**
 * Nova's schema as a Grizzly database has it after migration 161 (nova/db/sqlalchemy/migrate_repo/versions/): where the
 * ORM model and the migrated DDL differ, this follows the DDL. Column order follows
 * the Folsom baseline. Defaults that Nova sets in Python are also declared as server
 * defaults, so a row inserted without them still reads like one Nova wrote.
 *
 * Known differences from a real Grizzly database, on purpose:
 * - `cells.deleted` is an integer (migration 152 forgot the table, which left Nova's
 *   own soft delete of cells broken);
 * - the UNIQUE on `instance_info_caches.instance_uuid` exists on SQLite too;
 * - indexes Nova created on MySQL only (where InnoDB needs them for foreign keys) exist
 *   on every engine, under names unique across the schema.
 */
import { col, commonColumns, defineTable, type ForeignKeyDef, shadowTable, type TableDef } from '../../columns.js';

function fk(table: string, column: string, target: string, targetColumn = 'id'): ForeignKeyDef {
  return { name: `${table}_${column}_fkey`, columns: [column], table: target, references: [targetColumn] };
}

const common = commonColumns('int');
const legacyCommon = commonColumns('bool');

// ---- services and hosts -----------------------------------------------------

export const services = defineTable('services', [
  ...common,
  col.id(),
  col.string('host'),
  col.string('binary'),
  col.string('topic'),
  col.int('report_count').notNull().default(0),
  col.bool('disabled').default(false),
  col.string('disabled_reason'),
]);

export const computeNodes = defineTable('compute_nodes', [
  ...common,
  col.id(),
  col.int('service_id').notNull(),
  col.int('vcpus').notNull(),
  col.int('memory_mb').notNull(),
  col.int('local_gb').notNull(),
  col.int('vcpus_used').notNull(),
  col.int('memory_mb_used').notNull(),
  col.int('local_gb_used').notNull(),
  col.mediumtext('hypervisor_type').notNull(),
  col.int('hypervisor_version').notNull(),
  col.mediumtext('cpu_info').notNull(),
  col.int('disk_available_least'),
  col.int('free_ram_mb'),
  col.int('free_disk_gb'),
  col.int('current_workload'),
  col.int('running_vms'),
  col.string('hypervisor_hostname'),
  col.ip('host_ip'),
]);

export const computeNodeStats = defineTable(
  'compute_node_stats',
  [...common, col.id(), col.int('compute_node_id').notNull(), col.string('key').notNull(), col.string('value')],
  { indexes: [{ name: 'ix_compute_node_stats_compute_node_id', columns: ['compute_node_id'] }] },
);

export const certificates = defineTable(
  'certificates',
  [...common, col.id(), col.string('user_id'), col.string('project_id'), col.string('file_name')],
  {
    indexes: [
      { name: 'certificates_project_id_deleted_idx', columns: ['project_id', 'deleted'] },
      { name: 'certificates_user_id_deleted_idx', columns: ['user_id', 'deleted'] },
    ],
  },
);

// ---- instances --------------------------------------------------------------

export const instances = defineTable(
  'instances',
  [
    ...common,
    col.id(),
    col.int('internal_id'),
    col.string('user_id'),
    col.string('project_id'),
    col.string('image_ref'),
    col.string('kernel_id'),
    col.string('ramdisk_id'),
    col.int('launch_index'),
    col.string('key_name'),
    col.mediumtext('key_data'),
    col.int('power_state'),
    col.string('vm_state'),
    col.int('memory_mb'),
    col.int('vcpus'),
    col.string('hostname'),
    col.string('host'),
    col.mediumtext('user_data'),
    col.string('reservation_id'),
    col.datetime('scheduled_at'),
    col.datetime('launched_at'),
    col.datetime('terminated_at'),
    col.string('display_name'),
    col.string('display_description'),
    col.string('availability_zone'),
    col.bool('locked'),
    col.string('os_type'),
    col.mediumtext('launched_on'),
    col.int('instance_type_id'),
    col.string('vm_mode'),
    col.string('uuid', 36),
    col.string('architecture'),
    col.string('root_device_name'),
    col.ip('access_ip_v4'),
    col.ip('access_ip_v6'),
    col.string('config_drive'),
    col.string('task_state'),
    col.string('default_ephemeral_device'),
    col.string('default_swap_device'),
    col.int('progress'),
    col.bool('auto_disk_config'),
    col.bool('shutdown_terminate').default(false),
    col.bool('disable_terminate').default(false),
    col.int('root_gb'),
    col.int('ephemeral_gb'),
    col.string('cell_name'),
    col.string('node'),
  ],
  {
    uniques: [{ name: 'uuid', columns: ['uuid'] }],
    indexes: [
      { name: 'project_id', columns: ['project_id'] },
      { name: 'instances_host_deleted_idx', columns: ['host', 'deleted'] },
      { name: 'instances_reservation_id_idx', columns: ['reservation_id'] },
      { name: 'instances_terminated_at_launched_at_idx', columns: ['terminated_at', 'launched_at'] },
      { name: 'instances_uuid_deleted_idx', columns: ['uuid', 'deleted'] },
      { name: 'instances_task_state_updated_at_idx', columns: ['task_state', 'updated_at'] },
      { name: 'instances_host_node_deleted_idx', columns: ['host', 'node', 'deleted'] },
    ],
  },
);

export const instanceInfoCaches = defineTable(
  'instance_info_caches',
  [...common, col.id(), col.mediumtext('network_info'), col.string('instance_uuid', 36).notNull()],
  {
    uniques: [{ name: 'instance_info_caches_instance_id_key', columns: ['instance_uuid'] }],
    foreignKeys: [fk('instance_info_caches', 'instance_uuid', 'instances', 'uuid')],
  },
);

export const instanceMetadata = defineTable(
  'instance_metadata',
  [...common, col.id(), col.string('key'), col.string('value'), col.string('instance_uuid', 36)],
  {
    indexes: [{ name: 'instance_metadata_instance_uuid_idx', columns: ['instance_uuid'] }],
    foreignKeys: [fk('instance_metadata', 'instance_uuid', 'instances', 'uuid')],
  },
);

export const instanceSystemMetadata = defineTable(
  'instance_system_metadata',
  [...common, col.id(), col.string('instance_uuid', 36).notNull(), col.string('key').notNull(), col.string('value')],
  {
    indexes: [{ name: 'instance_system_metadata_instance_uuid_idx', columns: ['instance_uuid'] }],
    foreignKeys: [fk('instance_system_metadata', 'instance_uuid', 'instances', 'uuid')],
  },
);

export const instanceFaults = defineTable(
  'instance_faults',
  [
    ...common,
    col.id(),
    col.string('instance_uuid', 36),
    col.int('code').notNull(),
    col.string('message'),
    col.mediumtext('details'),
    col.string('host'),
  ],
  {
    indexes: [
      { name: 'instance_faults_instance_uuid_deleted_created_at_idx', columns: ['instance_uuid', 'deleted', 'created_at'] },
      { name: 'instance_faults_host_idx', columns: ['host'] },
    ],
  },
);

export const instanceActions = defineTable(
  'instance_actions',
  [
    ...common,
    col.id(),
    col.string('action'),
    col.string('instance_uuid', 36),
    col.string('request_id'),
    col.string('user_id'),
    col.string('project_id'),
    col.datetime('start_time'),
    col.datetime('finish_time'),
    col.string('message'),
  ],
  {
    indexes: [
      { name: 'instance_uuid_idx', columns: ['instance_uuid'] },
      { name: 'request_id_idx', columns: ['request_id'] },
    ],
  },
);

export const instanceActionsEvents = defineTable(
  'instance_actions_events',
  [
    ...common,
    col.id(),
    col.string('event'),
    col.int('action_id'),
    col.datetime('start_time'),
    col.datetime('finish_time'),
    col.string('result'),
    col.text('traceback'),
  ],
  { foreignKeys: [fk('instance_actions_events', 'action_id', 'instance_actions')] },
);

export const instanceIdMappings = defineTable('instance_id_mappings', [...common, col.id(), col.string('uuid', 36).notNull()], {
  indexes: [{ name: 'ix_instance_id_mappings_uuid', columns: ['uuid'] }],
});

export const s3Images = defineTable('s3_images', [...common, col.id(), col.string('uuid', 36).notNull()]);
export const volumeIdMappings = defineTable('volume_id_mappings', [...common, col.id(), col.string('uuid', 36).notNull()]);
export const snapshotIdMappings = defineTable('snapshot_id_mappings', [...common, col.id(), col.string('uuid', 36).notNull()]);

export const blockDeviceMapping = defineTable(
  'block_device_mapping',
  [
    ...common,
    col.id(),
    col.string('device_name').notNull(),
    col.bool('delete_on_termination').default(false),
    col.string('virtual_name'),
    col.string('snapshot_id', 36),
    col.string('volume_id', 36),
    col.int('volume_size'),
    col.bool('no_device'),
    col.mediumtext('connection_info'),
    col.string('instance_uuid', 36),
  ],
  {
    indexes: [
      { name: 'block_device_mapping_instance_uuid_idx', columns: ['instance_uuid'] },
      { name: 'block_device_mapping_instance_uuid_device_name_idx', columns: ['instance_uuid', 'device_name'] },
      {
        name: 'block_device_mapping_instance_uuid_virtual_name_device_name_idx',
        columns: ['instance_uuid', 'virtual_name', 'device_name'],
      },
      { name: 'block_device_mapping_instance_uuid_volume_id_idx', columns: ['instance_uuid', 'volume_id'] },
      { name: 'block_device_mapping_snapshot_id_idx', columns: ['snapshot_id'] },
      { name: 'block_device_mapping_volume_id_idx', columns: ['volume_id'] },
    ],
    foreignKeys: [fk('block_device_mapping', 'instance_uuid', 'instances', 'uuid')],
  },
);

export const migrations = defineTable(
  'migrations',
  [
    ...common,
    col.id(),
    col.string('source_compute'),
    col.string('dest_compute'),
    col.string('dest_host'),
    col.string('status'),
    col.string('instance_uuid', 36),
    col.int('old_instance_type_id'),
    col.int('new_instance_type_id'),
    col.string('source_node'),
    col.string('dest_node'),
  ],
  {
    indexes: [
      { name: 'migrations_instance_uuid_and_status_idx', columns: ['deleted', 'instance_uuid', 'status'] },
      {
        name: 'migrations_by_host_nodes_and_status_idx',
        columns: ['deleted', 'source_compute', 'dest_compute', 'source_node', 'dest_node', 'status'],
      },
    ],
  },
);

// ---- flavors ----------------------------------------------------------------

export const instanceTypes = defineTable('instance_types', [
  ...common,
  col.string('name'),
  col.id(),
  col.int('memory_mb').notNull(),
  col.int('vcpus').notNull(),
  col.int('swap').notNull().default(0),
  col.int('vcpu_weight'),
  col.string('flavorid'),
  col.float('rxtx_factor').default(1),
  col.int('root_gb'),
  col.int('ephemeral_gb'),
  col.bool('disabled').default(false),
  col.bool('is_public').default(true),
]);

export const instanceTypeProjects = defineTable(
  'instance_type_projects',
  [...common, col.id(), col.int('instance_type_id').notNull(), col.string('project_id')],
  {
    indexes: [{ name: 'instance_type_projects_instance_type_id_idx', columns: ['instance_type_id'] }],
    foreignKeys: [fk('instance_type_projects', 'instance_type_id', 'instance_types')],
  },
);

export const instanceTypeExtraSpecs = defineTable(
  'instance_type_extra_specs',
  [...common, col.id(), col.int('instance_type_id').notNull(), col.string('key'), col.string('value')],
  {
    indexes: [{ name: 'instance_type_extra_specs_instance_type_id_key_idx', columns: ['instance_type_id', 'key'] }],
    foreignKeys: [fk('instance_type_extra_specs', 'instance_type_id', 'instance_types')],
  },
);

// ---- quotas -----------------------------------------------------------------

export const quotas = defineTable('quotas', [
  col.id(),
  ...common,
  col.string('project_id'),
  col.string('resource').notNull(),
  col.int('hard_limit'),
]);

export const quotaClasses = defineTable(
  'quota_classes',
  [...common, col.id(), col.string('class_name'), col.string('resource'), col.int('hard_limit')],
  { indexes: [{ name: 'ix_quota_classes_class_name', columns: ['class_name'] }] },
);

export const quotaUsages = defineTable(
  'quota_usages',
  [
    ...common,
    col.id(),
    col.string('project_id'),
    col.string('resource'),
    col.int('in_use').notNull(),
    col.int('reserved').notNull(),
    col.int('until_refresh'),
  ],
  { indexes: [{ name: 'ix_quota_usages_project_id', columns: ['project_id'] }] },
);

export const reservations = defineTable(
  'reservations',
  [
    ...common,
    col.id(),
    col.string('uuid', 36).notNull(),
    col.int('usage_id').notNull(),
    col.string('project_id'),
    col.string('resource'),
    col.int('delta').notNull(),
    col.datetime('expire'),
  ],
  {
    indexes: [
      { name: 'ix_reservations_project_id', columns: ['project_id'] },
      { name: 'reservations_usage_id_idx', columns: ['usage_id'] },
    ],
    foreignKeys: [fk('reservations', 'usage_id', 'quota_usages')],
  },
);

// ---- security groups and firewall ---------------------------------------------

export const securityGroups = defineTable('security_groups', [
  ...common,
  col.id(),
  col.string('name'),
  col.string('description'),
  col.string('user_id'),
  col.string('project_id'),
]);

export const securityGroupInstanceAssociation = defineTable(
  'security_group_instance_association',
  [...common, col.id(), col.int('security_group_id'), col.string('instance_uuid', 36)],
  {
    indexes: [{ name: 'security_group_instance_association_instance_uuid_idx', columns: ['instance_uuid'] }],
    foreignKeys: [
      fk('security_group_instance_association', 'security_group_id', 'security_groups'),
      fk('security_group_instance_association', 'instance_uuid', 'instances', 'uuid'),
    ],
  },
);

export const securityGroupRules = defineTable(
  'security_group_rules',
  [
    ...common,
    col.id(),
    col.int('parent_group_id'),
    col.string('protocol'),
    col.int('from_port'),
    col.int('to_port'),
    col.cidr('cidr'),
    col.int('group_id'),
  ],
  {
    foreignKeys: [
      fk('security_group_rules', 'parent_group_id', 'security_groups'),
      fk('security_group_rules', 'group_id', 'security_groups'),
    ],
  },
);

export const securityGroupDefaultRules = defineTable('security_group_default_rules', [
  ...common,
  col.id(),
  col.string('protocol', 5),
  col.int('from_port'),
  col.int('to_port'),
  col.cidr('cidr'),
]);

export const providerFwRules = defineTable('provider_fw_rules', [
  ...common,
  col.id(),
  col.string('protocol', 5),
  col.int('from_port'),
  col.int('to_port'),
  col.cidr('cidr'),
]);

export const keyPairs = defineTable(
  'key_pairs',
  [...common, col.id(), col.string('name'), col.string('user_id'), col.string('fingerprint'), col.mediumtext('public_key')],
  { indexes: [{ name: 'key_pair_user_id_name_idx', columns: ['user_id', 'name'] }] },
);

// ---- networking -------------------------------------------------------------

export const networks = defineTable(
  'networks',
  [
    ...common,
    col.id(),
    col.bool('injected').default(false),
    col.cidr('cidr'),
    col.ip('netmask'),
    col.string('bridge'),
    col.ip('gateway'),
    col.ip('broadcast'),
    col.ip('dns1'),
    col.int('vlan'),
    col.ip('vpn_public_address'),
    col.int('vpn_public_port'),
    col.ip('vpn_private_address'),
    col.ip('dhcp_start'),
    col.string('project_id'),
    col.string('host'),
    col.cidr('cidr_v6'),
    col.ip('gateway_v6'),
    col.string('label'),
    col.ip('netmask_v6'),
    col.string('bridge_interface'),
    col.bool('multi_host').default(false),
    col.ip('dns2'),
    col.string('uuid', 36),
    col.int('priority'),
    col.int('rxtx_base'),
  ],
  {
    uniques: [{ name: 'uniq_vlan_x_deleted', columns: ['vlan', 'deleted'] }],
    indexes: [
      { name: 'networks_bridge_deleted_idx', columns: ['bridge', 'deleted'] },
      { name: 'networks_host_idx', columns: ['host'] },
      { name: 'networks_project_id_deleted_idx', columns: ['project_id', 'deleted'] },
      { name: 'networks_uuid_project_id_deleted_idx', columns: ['uuid', 'project_id', 'deleted'] },
      { name: 'networks_vlan_deleted_idx', columns: ['vlan', 'deleted'] },
      { name: 'networks_cidr_v6_idx', columns: ['cidr_v6'] },
    ],
  },
);

export const virtualInterfaces = defineTable(
  'virtual_interfaces',
  [...common, col.id(), col.string('address'), col.int('network_id'), col.string('uuid', 36), col.string('instance_uuid', 36)],
  {
    uniques: [{ name: 'virtual_interfaces_address_key', columns: ['address'] }],
    indexes: [
      { name: 'virtual_interfaces_network_id_idx', columns: ['network_id'] },
      { name: 'virtual_interfaces_instance_uuid_fkey_idx', columns: ['instance_uuid'] },
    ],
    foreignKeys: [fk('virtual_interfaces', 'instance_uuid', 'instances', 'uuid')],
  },
);

export const fixedIps = defineTable(
  'fixed_ips',
  [
    ...common,
    col.id(),
    col.ip('address'),
    col.int('network_id'),
    col.bool('allocated').default(false),
    col.bool('leased').default(false),
    col.bool('reserved').default(false),
    col.int('virtual_interface_id'),
    col.string('host'),
    col.string('instance_uuid', 36),
  ],
  {
    indexes: [
      { name: 'fixed_ips_host_idx', columns: ['host'] },
      { name: 'fixed_ips_network_id_host_deleted_idx', columns: ['network_id', 'host', 'deleted'] },
      { name: 'fixed_ips_address_reserved_network_id_deleted_idx', columns: ['address', 'reserved', 'network_id', 'deleted'] },
      { name: 'fixed_ips_deleted_allocated_idx', columns: ['address', 'deleted', 'allocated'] },
      { name: 'fixed_ips_address_idx', columns: ['address'] },
      { name: 'fixed_ips_network_id_idx', columns: ['network_id'] },
      { name: 'fixed_ips_virtual_interface_id_fkey', columns: ['virtual_interface_id'] },
      { name: 'fixed_ips_instance_uuid_fkey_idx', columns: ['instance_uuid'] },
    ],
    foreignKeys: [fk('fixed_ips', 'instance_uuid', 'instances', 'uuid')],
  },
);

export const floatingIps = defineTable(
  'floating_ips',
  [
    ...common,
    col.id(),
    col.ip('address'),
    col.int('fixed_ip_id'),
    col.string('project_id'),
    col.string('host'),
    col.bool('auto_assigned').default(false),
    col.string('pool'),
    col.string('interface'),
  ],
  {
    indexes: [
      { name: 'floating_ips_host_idx', columns: ['host'] },
      { name: 'floating_ips_project_id_idx', columns: ['project_id'] },
      { name: 'floating_ips_pool_deleted_fixed_ip_id_project_id_idx', columns: ['pool', 'deleted', 'fixed_ip_id', 'project_id'] },
      { name: 'floating_ips_fixed_ip_id_idx', columns: ['fixed_ip_id'] },
    ],
  },
);

export const dnsDomains = defineTable(
  'dns_domains',
  [...legacyCommon, col.string('domain').primaryKey(), col.string('scope'), col.string('availability_zone'), col.string('project_id')],
  {
    indexes: [
      { name: 'dns_domains_domain_deleted_idx', columns: ['domain', 'deleted'] },
      { name: 'dns_domains_project_id_idx', columns: ['project_id'] },
    ],
  },
);

// ---- consoles ---------------------------------------------------------------

export const consolePools = defineTable('console_pools', [
  ...common,
  col.id(),
  col.ip('address'),
  col.string('username'),
  col.string('password'),
  col.string('console_type'),
  col.string('public_hostname'),
  col.string('host'),
  col.string('compute_host'),
]);

export const consoles = defineTable(
  'consoles',
  [
    ...common,
    col.id(),
    col.string('instance_name'),
    col.string('password'),
    col.int('port'),
    col.int('pool_id'),
    col.string('instance_uuid', 36),
  ],
  {
    indexes: [{ name: 'consoles_instance_uuid_idx', columns: ['instance_uuid'] }],
    foreignKeys: [fk('consoles', 'pool_id', 'console_pools'), fk('consoles', 'instance_uuid', 'instances', 'uuid')],
  },
);

// ---- cells, aggregates, agents, usage ---------------------------------------------

export const cells = defineTable('cells', [
  ...common,
  col.id(),
  col.string('api_url'),
  col.string('username'),
  col.string('password'),
  col.float('weight_offset').default(0),
  col.float('weight_scale').default(1),
  col.string('name'),
  col.bool('is_parent'),
  col.string('rpc_host'),
  col.int('rpc_port'),
  col.string('rpc_virtual_host'),
]);

export const aggregates = defineTable('aggregates', [...common, col.id(), col.string('name')]);

export const aggregateHosts = defineTable('aggregate_hosts', [...common, col.id(), col.string('host'), col.int('aggregate_id').notNull()], {
  foreignKeys: [fk('aggregate_hosts', 'aggregate_id', 'aggregates')],
});

export const aggregateMetadata = defineTable(
  'aggregate_metadata',
  [...common, col.id(), col.int('aggregate_id').notNull(), col.string('key').notNull(), col.string('value').notNull()],
  {
    indexes: [{ name: 'aggregate_metadata_key_idx', columns: ['key'] }],
    foreignKeys: [fk('aggregate_metadata', 'aggregate_id', 'aggregates')],
  },
);

export const agentBuilds = defineTable(
  'agent_builds',
  [
    ...common,
    col.id(),
    col.string('hypervisor'),
    col.string('os'),
    col.string('architecture'),
    col.string('version'),
    col.string('url'),
    col.string('md5hash'),
  ],
  { indexes: [{ name: 'agent_builds_hypervisor_os_arch_idx', columns: ['hypervisor', 'os', 'architecture'] }] },
);

export const bwUsageCache = defineTable(
  'bw_usage_cache',
  [
    ...common,
    col.id(),
    col.datetime('start_period').notNull(),
    col.datetime('last_refreshed'),
    col.bigint('bw_in'),
    col.bigint('bw_out'),
    col.string('mac'),
    col.string('uuid', 36),
    col.bigint('last_ctr_in'),
    col.bigint('last_ctr_out'),
  ],
  { indexes: [{ name: 'bw_usage_cache_uuid_start_period_idx', columns: ['uuid', 'start_period'] }] },
);

export const volumeUsageCache = defineTable('volume_usage_cache', [
  ...common,
  col.id(),
  col.string('volume_id', 36).notNull(),
  col.int('instance_id'),
  col.datetime('tot_last_refreshed'),
  col.bigint('tot_reads').default(0),
  col.bigint('tot_read_bytes').default(0),
  col.bigint('tot_writes').default(0),
  col.bigint('tot_write_bytes').default(0),
  col.datetime('curr_last_refreshed'),
  col.bigint('curr_reads').default(0),
  col.bigint('curr_read_bytes').default(0),
  col.bigint('curr_writes').default(0),
  col.bigint('curr_write_bytes').default(0),
]);

export const taskLog = defineTable(
  'task_log',
  [
    ...common,
    col.id(),
    col.string('task_name').notNull(),
    col.string('state').notNull(),
    col.string('host').notNull(),
    col.datetime('period_beginning').notNull(),
    col.datetime('period_ending').notNull(),
    col.string('message').notNull(),
    col.int('task_items').default(0),
    col.int('errors').default(0),
  ],
  {
    uniques: [
      {
        name: 'uniq_task_name_x_host_x_period_beginning_x_period_ending',
        columns: ['task_name', 'host', 'period_beginning', 'period_ending'],
      },
    ],
    indexes: [
      { name: 'ix_task_log_period_beginning', columns: ['period_beginning'] },
      { name: 'ix_task_log_host', columns: ['host'] },
      { name: 'ix_task_log_period_ending', columns: ['period_ending'] },
    ],
  },
);

// ---- nova-volume leftovers (string ids) ----------------------------------------

export const volumes = defineTable(
  'volumes',
  [
    ...commonColumns('string'),
    col.string('id', 36).primaryKey(),
    col.string('ec2_id'),
    col.string('user_id'),
    col.string('project_id'),
    col.string('host'),
    col.int('size'),
    col.string('availability_zone'),
    col.string('mountpoint'),
    col.string('status'),
    col.string('attach_status'),
    col.datetime('scheduled_at'),
    col.datetime('launched_at'),
    col.datetime('terminated_at'),
    col.string('display_name'),
    col.string('display_description'),
    col.string('provider_location', 256),
    col.string('provider_auth', 256),
    col.string('snapshot_id', 36),
    col.int('volume_type_id'),
    col.string('instance_uuid', 36),
    col.datetime('attach_time'),
  ],
  { indexes: [{ name: 'volumes_instance_uuid_idx', columns: ['instance_uuid'] }] },
);

export const snapshots = defineTable('snapshots', [
  ...commonColumns('string'),
  col.string('id', 36).primaryKey(),
  col.string('volume_id', 36).notNull(),
  col.string('user_id'),
  col.string('project_id'),
  col.string('status'),
  col.string('progress'),
  col.int('volume_size'),
  col.datetime('scheduled_at'),
  col.string('display_name'),
  col.string('display_description'),
]);

export const iscsiTargets = defineTable(
  'iscsi_targets',
  [...common, col.id(), col.int('target_num'), col.string('host'), col.string('volume_id', 36)],
  {
    indexes: [
      { name: 'iscsi_targets_host_idx', columns: ['host'] },
      { name: 'iscsi_targets_host_volume_id_deleted_idx', columns: ['host', 'volume_id', 'deleted'] },
      { name: 'iscsi_targets_volume_id_fkey', columns: ['volume_id'] },
    ],
    foreignKeys: [fk('iscsi_targets', 'volume_id', 'volumes')],
  },
);

// ---- tables only the migrations know (deleted stays boolean) ------------------------

export const smFlavors = defineTable('sm_flavors', [...legacyCommon, col.id(), col.string('label'), col.string('description')]);

export const smBackendConfig = defineTable(
  'sm_backend_config',
  [
    ...legacyCommon,
    col.id(),
    col.int('flavor_id').notNull(),
    col.string('sr_uuid'),
    col.string('sr_type'),
    col.string('config_params', 2047),
  ],
  { foreignKeys: [fk('sm_backend_config', 'flavor_id', 'sm_flavors')] },
);

export const smVolume = defineTable(
  'sm_volume',
  [...legacyCommon, col.string('id', 36).primaryKey(), col.int('backend_id').notNull(), col.string('vdi_uuid')],
  {
    indexes: [{ name: 'sm_volume_backend_id_idx', columns: ['backend_id'] }],
    foreignKeys: [fk('sm_volume', 'backend_id', 'sm_backend_config'), fk('sm_volume', 'id', 'volumes')],
  },
);

export const volumeTypes = defineTable('volume_types', [...legacyCommon, col.id(), col.string('name')]);

export const volumeTypeExtraSpecs = defineTable(
  'volume_type_extra_specs',
  [...legacyCommon, col.id(), col.int('volume_type_id').notNull(), col.string('key'), col.string('value')],
  { foreignKeys: [fk('volume_type_extra_specs', 'volume_type_id', 'volume_types')] },
);

export const volumeMetadata = defineTable(
  'volume_metadata',
  [...legacyCommon, col.id(), col.string('volume_id', 36).notNull(), col.string('key'), col.string('value')],
  {
    indexes: [{ name: 'volume_metadata_volume_id_fkey', columns: ['volume_id'] }],
    foreignKeys: [fk('volume_metadata', 'volume_id', 'volumes')],
  },
);

export const virtualStorageArrays = defineTable('virtual_storage_arrays', [
  ...legacyCommon,
  col.id(),
  col.string('display_name'),
  col.string('display_description'),
  col.string('project_id'),
  col.string('availability_zone'),
  col.int('instance_type_id').notNull(),
  col.string('image_ref'),
  col.int('vc_count').notNull(),
  col.int('vol_count').notNull(),
  col.string('status'),
]);

/** The migrator's own table, described here only so that its shadow copy can be made. */
export const migrateVersion = defineTable('migrate_version', [
  col.string('repository_id', 250).primaryKey(),
  col.text('repository_path'),
  col.int('version'),
]);

// ---- lists --------------------------------------------------------------------

/** The 48 tables of Nova's ORM models, in an order that satisfies foreign keys. */
export const MODEL_TABLES = [
  services,
  computeNodes,
  computeNodeStats,
  certificates,
  instances,
  instanceInfoCaches,
  instanceMetadata,
  instanceSystemMetadata,
  instanceFaults,
  instanceActions,
  instanceActionsEvents,
  instanceIdMappings,
  s3Images,
  volumeIdMappings,
  snapshotIdMappings,
  blockDeviceMapping,
  migrations,
  instanceTypes,
  instanceTypeProjects,
  instanceTypeExtraSpecs,
  quotas,
  quotaClasses,
  quotaUsages,
  reservations,
  securityGroups,
  securityGroupInstanceAssociation,
  securityGroupRules,
  securityGroupDefaultRules,
  providerFwRules,
  keyPairs,
  networks,
  virtualInterfaces,
  fixedIps,
  floatingIps,
  dnsDomains,
  consolePools,
  consoles,
  cells,
  aggregates,
  aggregateHosts,
  aggregateMetadata,
  agentBuilds,
  bwUsageCache,
  volumeUsageCache,
  taskLog,
  volumes,
  snapshots,
  iscsiTargets,
] as const;

/** Tables that exist only because Folsom's baseline created them. */
export const LEGACY_TABLES = [
  smFlavors,
  smBackendConfig,
  smVolume,
  volumeTypes,
  volumeTypeExtraSpecs,
  volumeMetadata,
  virtualStorageArrays,
] as const;

/** Every table migration 154 gave an archive copy: all that existed then (not security_group_default_rules). */
export const SHADOW_TABLES: readonly TableDef[] = [
  ...MODEL_TABLES.filter((t) => t.name !== 'security_group_default_rules'),
  ...LEGACY_TABLES,
  migrateVersion,
].map((t: TableDef) => shadowTable(t));

/** What the baseline migration creates, in creation order (migrate_version is the migrator's). */
export const NOVA_TABLES: readonly TableDef[] = [...MODEL_TABLES, ...LEGACY_TABLES, ...SHADOW_TABLES];
