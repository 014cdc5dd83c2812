/**
 * The default policy, registered in code so that a deployment without a policy file has
 * Grizzly's behaviour (etc/nova/policy.json of 2013.1.5, in its file order). A policy
 * file overrides these rule by rule. Modules that add rules of their own call
 * registerPolicyDefaults() at load time, next to the code that enforces them.
 */

/** Grizzly's etc/nova/policy.json; an empty rule always allows. */
const GRIZZLY_POLICY: ReadonlyArray<readonly [string, string]> = [
  ['context_is_admin', 'role:admin'],
  ['admin_or_owner', 'is_admin:True or project_id:%(project_id)s'],
  ['default', 'rule:admin_or_owner'],
  ['compute:create', ''],
  ['compute:create:attach_network', ''],
  ['compute:create:attach_volume', ''],
  ['compute:create:forced_host', 'is_admin:True'],
  ['compute:get_all', ''],
  ['compute:get_all_tenants', ''],
  ['admin_api', 'is_admin:True'],
  ['compute_extension:accounts', 'rule:admin_api'],
  ['compute_extension:admin_actions', 'rule:admin_api'],
  ['compute_extension:admin_actions:pause', 'rule:admin_or_owner'],
  ['compute_extension:admin_actions:unpause', 'rule:admin_or_owner'],
  ['compute_extension:admin_actions:suspend', 'rule:admin_or_owner'],
  ['compute_extension:admin_actions:resume', 'rule:admin_or_owner'],
  // Today's Nova lets the owner lock and unlock (Tempest does so as a member); Grizzly's
  // file said admin_api. An admin's lock stays out of the owner's reach: compute/api/guest.ts.
  ['compute_extension:admin_actions:lock', 'rule:admin_or_owner'],
  ['compute_extension:admin_actions:unlock', 'rule:admin_or_owner'],
  ['compute_extension:admin_actions:resetNetwork', 'rule:admin_api'],
  ['compute_extension:admin_actions:injectNetworkInfo', 'rule:admin_api'],
  ['compute_extension:admin_actions:createBackup', 'rule:admin_or_owner'],
  ['compute_extension:admin_actions:migrateLive', 'rule:admin_api'],
  ['compute_extension:admin_actions:resetState', 'rule:admin_api'],
  ['compute_extension:admin_actions:migrate', 'rule:admin_api'],
  ['compute_extension:aggregates', 'rule:admin_api'],
  ['compute_extension:agents', 'rule:admin_api'],
  ['compute_extension:attach_interfaces', ''],
  ['compute_extension:baremetal_nodes', 'rule:admin_api'],
  ['compute_extension:cells', 'rule:admin_api'],
  ['compute_extension:certificates', ''],
  ['compute_extension:cloudpipe', 'rule:admin_api'],
  ['compute_extension:cloudpipe_update', 'rule:admin_api'],
  ['compute_extension:console_output', ''],
  ['compute_extension:consoles', ''],
  ['compute_extension:coverage_ext', 'rule:admin_api'],
  ['compute_extension:createserverext', ''],
  ['compute_extension:deferred_delete', ''],
  ['compute_extension:disk_config', ''],
  ['compute_extension:evacuate', 'rule:admin_api'],
  ['compute_extension:extended_server_attributes', 'rule:admin_api'],
  ['compute_extension:extended_status', ''],
  ['compute_extension:extended_availability_zone', ''],
  ['compute_extension:extended_ips', ''],
  ['compute_extension:fixed_ips', 'rule:admin_api'],
  ['compute_extension:flavor_access', ''],
  ['compute_extension:flavor_disabled', ''],
  ['compute_extension:flavor_rxtx', ''],
  ['compute_extension:flavor_swap', ''],
  ['compute_extension:flavorextradata', ''],
  ['compute_extension:flavorextraspecs:index', ''],
  ['compute_extension:flavorextraspecs:show', ''],
  ['compute_extension:flavorextraspecs:create', 'rule:admin_api'],
  ['compute_extension:flavorextraspecs:update', 'rule:admin_api'],
  ['compute_extension:flavorextraspecs:delete', 'rule:admin_api'],
  ['compute_extension:flavormanage', 'rule:admin_api'],
  ['compute_extension:floating_ip_dns', ''],
  ['compute_extension:floating_ip_pools', ''],
  ['compute_extension:floating_ips', ''],
  ['compute_extension:floating_ips_bulk', 'rule:admin_api'],
  ['compute_extension:fping', ''],
  ['compute_extension:fping:all_tenants', 'rule:admin_api'],
  ['compute_extension:hide_server_addresses', 'is_admin:False'],
  ['compute_extension:hosts', 'rule:admin_api'],
  ['compute_extension:hypervisors', 'rule:admin_api'],
  ['compute_extension:image_size', ''],
  ['compute_extension:instance_actions', ''],
  ['compute_extension:instance_actions:events', 'rule:admin_api'],
  ['compute_extension:instance_usage_audit_log', 'rule:admin_api'],
  ['compute_extension:keypairs', ''],
  ['compute_extension:multinic', ''],
  ['compute_extension:networks', 'rule:admin_api'],
  ['compute_extension:networks:view', ''],
  ['compute_extension:networks_associate', 'rule:admin_api'],
  ['compute_extension:quotas:show', ''],
  ['compute_extension:quotas:update', 'rule:admin_api'],
  ['compute_extension:quota_classes', ''],
  ['compute_extension:rescue', ''],
  ['compute_extension:security_group_default_rules', 'rule:admin_api'],
  ['compute_extension:security_groups', ''],
  ['compute_extension:server_diagnostics', 'rule:admin_api'],
  ['compute_extension:server_password', ''],
  ['compute_extension:services', 'rule:admin_api'],
  ['compute_extension:simple_tenant_usage:show', 'rule:admin_or_owner'],
  ['compute_extension:simple_tenant_usage:list', 'rule:admin_api'],
  ['compute_extension:users', 'rule:admin_api'],
  ['compute_extension:virtual_interfaces', ''],
  ['compute_extension:virtual_storage_arrays', ''],
  ['compute_extension:volumes', ''],
  ['compute_extension:volume_attachments:index', ''],
  ['compute_extension:volume_attachments:show', ''],
  ['compute_extension:volume_attachments:create', ''],
  ['compute_extension:volume_attachments:delete', ''],
  ['compute_extension:volumetypes', ''],
  ['compute_extension:availability_zone:list', ''],
  ['compute_extension:availability_zone:detail', 'rule:admin_api'],
  ['volume:create', ''],
  ['volume:get_all', ''],
  ['volume:get_volume_metadata', ''],
  ['volume:get_snapshot', ''],
  ['volume:get_all_snapshots', ''],
  ['volume_extension:types_manage', 'rule:admin_api'],
  ['volume_extension:types_extra_specs', 'rule:admin_api'],
  ['volume_extension:volume_admin_actions:reset_status', 'rule:admin_api'],
  ['volume_extension:snapshot_admin_actions:reset_status', 'rule:admin_api'],
  ['volume_extension:volume_admin_actions:force_delete', 'rule:admin_api'],
  ['network:get_all', ''],
  ['network:get', ''],
  ['network:create', ''],
  ['network:delete', ''],
  ['network:associate', ''],
  ['network:disassociate', ''],
  ['network:get_vifs_by_instance', ''],
  ['network:allocate_for_instance', ''],
  ['network:deallocate_for_instance', ''],
  ['network:validate_networks', ''],
  ['network:get_instance_uuids_by_ip_filter', ''],
  ['network:get_instance_id_by_floating_address', ''],
  ['network:setup_networks_on_host', ''],
  ['network:get_backdoor_port', ''],
  ['network:get_floating_ip', ''],
  ['network:get_floating_ip_pools', ''],
  ['network:get_floating_ip_by_address', ''],
  ['network:get_floating_ips_by_project', ''],
  ['network:get_floating_ips_by_fixed_address', ''],
  ['network:allocate_floating_ip', ''],
  ['network:deallocate_floating_ip', ''],
  ['network:associate_floating_ip', ''],
  ['network:disassociate_floating_ip', ''],
  ['network:release_floating_ip', ''],
  ['network:migrate_instance_start', ''],
  ['network:migrate_instance_finish', ''],
  ['network:get_fixed_ip', ''],
  ['network:get_fixed_ip_by_address', ''],
  ['network:add_fixed_ip_to_instance', ''],
  ['network:remove_fixed_ip_from_instance', ''],
  ['network:add_network_to_project', ''],
  ['network:get_instance_nw_info', ''],
  ['network:get_dns_domains', ''],
  ['network:add_dns_entry', ''],
  ['network:modify_dns_entry', ''],
  ['network:delete_dns_entry', ''],
  ['network:get_dns_entries_by_address', ''],
  ['network:get_dns_entries_by_name', ''],
  ['network:create_private_dns_domain', ''],
  ['network:create_public_dns_domain', ''],
  ['network:delete_dns_domain', ''],
];

const defaults = new Map<string, string>(GRIZZLY_POLICY);
let generation = 0;

/**
 * Adds default rules. Registering a name again with the same rule is harmless;
 * with a different rule it is a programming error, because which one wins would depend
 * on import order.
 */
export function registerPolicyDefaults(rules: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>): void {
  const entries = Array.isArray(rules) ? rules : Object.entries(rules);
  for (const [name, rule] of entries) {
    const existing = defaults.get(name);
    if (existing !== undefined && existing !== rule) {
      throw new Error(
        `policy rule ${name} registered twice with different defaults: ${JSON.stringify(existing)} and ${JSON.stringify(rule)}`,
      );
    }
  }
  for (const [name, rule] of entries) {
    if (!defaults.has(name)) {
      defaults.set(name, rule);
      generation += 1;
    }
  }
}

/** Every registered default rule, Grizzly's first in file order, then later registrations. */
export function policyDefaults(): ReadonlyMap<string, string> {
  return defaults;
}

/** Changes whenever a rule is registered, so an enforcer knows to pick new defaults up. */
export function policyDefaultsGeneration(): number {
  return generation;
}

/** The rule names of Grizzly's own policy.json, in file order. */
export const GRIZZLY_POLICY_RULE_NAMES: readonly string[] = GRIZZLY_POLICY.map(([name]) => name);
