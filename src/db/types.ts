/**
 * The kysely schema of Nova's database, derived from the table definitions in
 * migrations/nova/schema.ts so that the types cannot drift from the DDL. Row types
 * (what a select returns) are exported for every model table.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { SchemaOf, TableRow } from './columns.js';
import type * as G from './migrations/nova/165_instance_groups.js';
import type * as S from './migrations/nova/schema.js';

type ModelTables = typeof S.MODEL_TABLES;
type LegacyTables = typeof S.LEGACY_TABLES;
type ShadowedTables = Exclude<ModelTables[number] | LegacyTables[number], typeof S.securityGroupDefaultRules> | typeof S.migrateVersion;

export type NovaDatabase = SchemaOf<ModelTables> &
  SchemaOf<LegacyTables> & { [D in ShadowedTables as `shadow_${D['name']}`]: TableRow<D> } & {
    migrate_version: TableRow<typeof S.migrateVersion>;
  } & SchemaOf<typeof G.INSTANCE_GROUP_TABLES> & {
    [D in (typeof G.INSTANCE_GROUP_TABLES)[number] as `shadow_${D['name']}`]: TableRow<D>;
  };

export type NovaTableName = keyof NovaDatabase & string;
export type Row<T extends NovaTableName> = Selectable<NovaDatabase[T]>;
export type NewRow<T extends NovaTableName> = Insertable<NovaDatabase[T]>;
export type RowUpdate<T extends NovaTableName> = Updateable<NovaDatabase[T]>;

export type Service = Row<'services'>;
export type ComputeNode = Row<'compute_nodes'>;
export type ComputeNodeStat = Row<'compute_node_stats'>;
export type Certificate = Row<'certificates'>;
export type Instance = Row<'instances'>;
export type InstanceInfoCache = Row<'instance_info_caches'>;
export type InstanceMetadata = Row<'instance_metadata'>;
export type InstanceSystemMetadata = Row<'instance_system_metadata'>;
export type InstanceFault = Row<'instance_faults'>;
export type InstanceAction = Row<'instance_actions'>;
export type InstanceActionEvent = Row<'instance_actions_events'>;
export type InstanceIdMapping = Row<'instance_id_mappings'>;
export type S3Image = Row<'s3_images'>;
export type VolumeIdMapping = Row<'volume_id_mappings'>;
export type SnapshotIdMapping = Row<'snapshot_id_mappings'>;
export type BlockDeviceMapping = Row<'block_device_mapping'>;
export type Migration = Row<'migrations'>;
export type InstanceGroup = Row<'instance_groups'>;
export type InstanceType = Row<'instance_types'>;
export type InstanceTypeProject = Row<'instance_type_projects'>;
export type InstanceTypeExtraSpec = Row<'instance_type_extra_specs'>;
export type Quota = Row<'quotas'>;
export type QuotaClass = Row<'quota_classes'>;
export type QuotaUsage = Row<'quota_usages'>;
export type Reservation = Row<'reservations'>;
export type SecurityGroup = Row<'security_groups'>;
export type SecurityGroupInstanceAssociation = Row<'security_group_instance_association'>;
export type SecurityGroupRule = Row<'security_group_rules'>;
export type SecurityGroupDefaultRule = Row<'security_group_default_rules'>;
export type ProviderFwRule = Row<'provider_fw_rules'>;
export type KeyPair = Row<'key_pairs'>;
export type Network = Row<'networks'>;
export type VirtualInterface = Row<'virtual_interfaces'>;
export type FixedIp = Row<'fixed_ips'>;
export type FloatingIp = Row<'floating_ips'>;
export type DnsDomain = Row<'dns_domains'>;
export type ConsolePool = Row<'console_pools'>;
export type Console = Row<'consoles'>;
export type Cell = Row<'cells'>;
export type Aggregate = Row<'aggregates'>;
export type AggregateHost = Row<'aggregate_hosts'>;
export type AggregateMetadata = Row<'aggregate_metadata'>;
export type AgentBuild = Row<'agent_builds'>;
export type BwUsageCache = Row<'bw_usage_cache'>;
export type VolumeUsageCache = Row<'volume_usage_cache'>;
export type TaskLog = Row<'task_log'>;
export type Volume = Row<'volumes'>;
export type Snapshot = Row<'snapshots'>;
export type IscsiTarget = Row<'iscsi_targets'>;
