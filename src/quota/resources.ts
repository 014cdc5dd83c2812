/**
 * The quota resources of nova/quota.py: what each limits, where its default
 * comes from and whose rows its usage is counted over.
 */

/**
 * `reservable`: usage counted over the project's rows, checked with checkDeltas().
 * `absolute`: a plain limit on a proposed value (metadata items, injected files), checked with limitCheck().
 * `countable`: a limit on rows counted over something narrower than the project
 * (a user's key pairs, one group's rules); checkDeltas() with a scope, or limitCheck(count + n).
 */
export type ResourceKind = 'reservable' | 'absolute' | 'countable';

/** Whose rows a resource's usage is counted over. */
export type CountScopeKind = 'project' | 'user' | 'security_group';

export interface QuotaResource {
  readonly name: string;
  readonly kind: ResourceKind;
  /** The config option holding the default limit. */
  readonly option: string;
  /** Undefined for absolute resources, which have no usage. */
  readonly scope?: CountScopeKind;
}

const BASE_RESOURCES: readonly QuotaResource[] = [
  { name: 'instances', kind: 'reservable', option: 'quota_instances', scope: 'project' },
  { name: 'cores', kind: 'reservable', option: 'quota_cores', scope: 'project' },
  { name: 'ram', kind: 'reservable', option: 'quota_ram', scope: 'project' },
  { name: 'floating_ips', kind: 'reservable', option: 'quota_floating_ips', scope: 'project' },
  { name: 'fixed_ips', kind: 'reservable', option: 'quota_fixed_ips', scope: 'project' },
  { name: 'metadata_items', kind: 'absolute', option: 'quota_metadata_items' },
  { name: 'injected_files', kind: 'absolute', option: 'quota_injected_files' },
  { name: 'injected_file_content_bytes', kind: 'absolute', option: 'quota_injected_file_content_bytes' },
  { name: 'injected_file_path_bytes', kind: 'absolute', option: 'quota_injected_file_path_bytes' },
  { name: 'security_groups', kind: 'reservable', option: 'quota_security_groups', scope: 'project' },
  { name: 'security_group_rules', kind: 'countable', option: 'quota_security_group_rules', scope: 'security_group' },
  { name: 'key_pairs', kind: 'countable', option: 'quota_key_pairs', scope: 'user' },
  // Server groups came after Grizzly, but every client of the v2.1 API expects their two
  // limits in a quota set; they are plain limits until server groups exist.
  { name: 'server_groups', kind: 'absolute', option: 'quota_server_groups' },
  { name: 'server_group_members', kind: 'absolute', option: 'quota_server_group_members' },
];

const NETWORKS: QuotaResource = { name: 'networks', kind: 'reservable', option: 'quota_networks', scope: 'project' };

/** The registered resources sorted by name (the order the API lists them in). */
export function quotaResources(enableNetworkQuota: boolean): readonly QuotaResource[] {
  const all = enableNetworkQuota ? [...BASE_RESOURCES, NETWORKS] : [...BASE_RESOURCES];
  return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The resources whose usage one countInstances() call yields together. */
export const INSTANCE_RESOURCES: readonly string[] = ['instances', 'cores', 'ram'];
