/**
 * `/extensions`: the Grizzly contrib extensions this API serves, so clients and Tempest that
 * probe for an alias find exactly what works. Entries are aliases of
 * nova/api/openstack/compute/contrib/; an alias joins in the change that makes its routes work,
 * with a probe in test/functional/api/extensions-served.test.ts.
 */
import { NotFound } from '../../../common/errors.js';
import { defineResource, type ResourceModule } from '../routing.js';

export interface ExtensionInfo {
  name: string;
  alias: string;
  namespace: string;
  updated: string;
  description: string;
  links: never[];
}

const P = 'http://docs.openstack.org/compute/ext/';
const UTC = '+00:00';

/** [alias, name, namespace (relative to P unless absolute), updated, description] */
const REGISTRY: ReadonlyArray<readonly [string, string, string, string, string]> = [
  ['NMN', 'Multinic', 'multinic/api/v1.1', `2011-06-09T00:00:00${UTC}`, 'Add and remove fixed IPs on a server, one network at a time.'],
  [
    'os-admin-actions',
    'AdminActions',
    'admin-actions/api/v1.1',
    `2011-09-20T00:00:00${UTC}`,
    'Administrative server actions: pause, suspend, migrate, reset state and more.',
  ],
  ['os-agents', 'Agents', 'agents/api/v2', '2012-10-28T00:00:00-00:00', 'Guest agent builds per hypervisor, OS and architecture.'],
  [
    'os-aggregates',
    'Aggregates',
    'aggregates/api/v1.1',
    `2012-01-12T00:00:00${UTC}`,
    'Host aggregates: groups of hosts with shared metadata and availability zones.',
  ],
  [
    'os-availability-zone',
    'AvailabilityZone',
    'availabilityzone/api/v1.1',
    `2012-12-21T00:00:00${UTC}`,
    'Availability zones: listing and choosing one at boot.',
  ],
  [
    'os-certificates',
    'Certificates',
    'certificates/api/v1.1',
    `2012-01-19T00:00:00${UTC}`,
    'The root certificate and per-project x509 certificates.',
  ],
  ['os-cloudpipe', 'Cloudpipe', 'cloudpipe/api/v1.1', `2011-12-16T00:00:00${UTC}`, 'Per-project VPN instances.'],
  [
    'os-cloudpipe-update',
    'CloudpipeUpdate',
    'cloudpipe-update/api/v2',
    `2012-11-14T00:00:00${UTC}`,
    'Change the public address and port of a project VPN.',
  ],
  [
    'os-config-drive',
    'ConfigDrive',
    'config_drive/api/v1.1',
    `2012-07-16T00:00:00${UTC}`,
    'Ask for a configuration drive at boot and see whether a server has one.',
  ],
  ['os-console-output', 'ConsoleOutput', 'os-console-output/api/v2', `2011-12-08T00:00:00${UTC}`, "Read a server's console log."],
  [
    'os-create-server-ext',
    'Createserverext',
    'createserverext/api/v1.1',
    `2011-07-19T00:00:00${UTC}`,
    'Server creation with the extended request keys.',
  ],
  [
    'OS-DCF',
    'DiskConfig',
    'disk_config/api/v1.1',
    `2011-09-27T00:00:00${UTC}`,
    'Choose whether the root disk is partitioned automatically or by hand.',
  ],
  [
    'os-deferred-delete',
    'DeferredDelete',
    'deferred-delete/api/v1.1',
    `2011-09-01T00:00:00${UTC}`,
    'Restore or force-delete a server whose deletion is deferred.',
  ],
  [
    'os-evacuate',
    'Evacuate',
    'evacuate/api/v2',
    `2013-01-06T00:00:00${UTC}`,
    'Re-create a server on another host when its own host is down.',
  ],
  [
    'OS-EXT-AZ',
    'ExtendedAvailabilityZone',
    'extended_availability_zone/api/v2',
    `2013-01-30T00:00:00${UTC}`,
    "A server's availability zone in its body.",
  ],
  ['OS-EXT-IMG-SIZE', 'ImageSize', 'image_size/api/v1.1', `2013-02-19T00:00:00${UTC}`, "An image's size in its body."],
  ['OS-EXT-IPS', 'ExtendedIps', 'extended_ips/api/v1.1', `2013-01-06T00:00:00${UTC}`, 'Whether each server address is fixed or floating.'],
  [
    'OS-EXT-SRV-ATTR',
    'ExtendedServerAttributes',
    'extended_status/api/v1.1',
    `2011-11-03T00:00:00${UTC}`,
    "A server's host, hypervisor node and instance name, for admins.",
  ],
  ['OS-EXT-STS', 'ExtendedStatus', 'extended_status/api/v1.1', `2011-11-03T00:00:00${UTC}`, "A server's vm, task and power states."],
  ['os-fixed-ips', 'FixedIPs', 'fixed_ips/api/v2', '2012-10-18T13:25:27-06:00', 'Look up and reserve fixed IP addresses.'],
  [
    'os-flavor-access',
    'FlavorAccess',
    'flavor_access/api/v2',
    `2012-08-01T00:00:00${UTC}`,
    'Private flavors and the projects allowed to use them.',
  ],
  [
    'os-flavor-extra-specs',
    'FlavorExtraSpecs',
    'flavor_extra_specs/api/v1.1',
    `2011-06-23T00:00:00${UTC}`,
    'Key-value extra specs of a flavor.',
  ],
  ['os-flavor-manage', 'FlavorManage', 'flavor_manage/api/v1.1', `2012-01-19T00:00:00${UTC}`, 'Create and delete flavors.'],
  ['os-flavor-rxtx', 'FlavorRxtx', 'flavor_rxtx/api/v1.1', `2012-08-29T00:00:00${UTC}`, "A flavor's network bandwidth factor."],
  ['os-flavor-swap', 'FlavorSwap', 'flavor_swap/api/v1.1', `2012-08-29T00:00:00${UTC}`, "A flavor's swap size."],
  [
    'os-floating-ip-dns',
    'FloatingIpDns',
    'http://docs.openstack.org/ext/floating_ip_dns/api/v1.1',
    `2011-12-23T00:00:00${UTC}`,
    'DNS domains and entries for floating IPs.',
  ],
  [
    'os-floating-ip-pools',
    'FloatingIpPools',
    'floating_ip_pools/api/v1.1',
    `2012-01-04T00:00:00${UTC}`,
    'Pools floating IPs are allocated from.',
  ],
  [
    'os-floating-ips',
    'FloatingIps',
    'floating_ips/api/v1.1',
    `2011-06-16T00:00:00${UTC}`,
    'Allocate floating IPs and associate them with servers.',
  ],
  [
    'os-floating-ips-bulk',
    'FloatingIpsBulk',
    'floating_ips_bulk/api/v2',
    '2012-10-29T13:25:27-06:00',
    'Create and delete floating IP ranges.',
  ],
  ['OS-FLV-DISABLED', 'FlavorDisabled', 'flavor_disabled/api/v1.1', `2012-08-29T00:00:00${UTC}`, 'Whether a flavor is disabled.'],
  ['OS-FLV-EXT-DATA', 'FlavorExtraData', 'flavor_extra_data/api/v1.1', `2011-09-14T00:00:00${UTC}`, "A flavor's ephemeral disk size."],
  ['os-fping', 'Fping', 'fping/api/v1.1', `2012-07-06T00:00:00${UTC}`, 'Check which servers answer pings.'],
  [
    'os-hide-server-addresses',
    'HideServerAddresses',
    'hide_server_addresses/api/v1.1',
    `2012-12-11T00:00:00${UTC}`,
    'Hide server addresses while a server is in chosen states.',
  ],
  ['os-hosts', 'Hosts', 'hosts/api/v1.1', `2011-06-29T00:00:00${UTC}`, 'Compute hosts: resources, maintenance mode and power actions.'],
  [
    'os-hypervisors',
    'Hypervisors',
    'hypervisors/api/v1.1',
    `2012-06-21T00:00:00${UTC}`,
    'Hypervisors, their servers, uptime and statistics.',
  ],
  [
    'os-instance-actions',
    'InstanceActions',
    'instance-actions/api/v1.1',
    `2013-02-08T00:00:00${UTC}`,
    'The actions taken on a server and their events.',
  ],
  [
    'os-instance_usage_audit_log',
    'OSInstanceUsageAuditLog',
    'http://docs.openstack.org/ext/services/api/v1.1',
    `2012-07-06T01:00:00${UTC}`,
    'Instance usage audit task logs.',
  ],
  [
    'os-keypairs',
    'Keypairs',
    'keypairs/api/v1.1',
    `2011-08-08T00:00:00${UTC}`,
    'SSH key pairs: generate, import and inject them into servers.',
  ],
  [
    'os-multiple-create',
    'MultipleCreate',
    'multiplecreate/api/v1.1',
    `2012-08-07T00:00:00${UTC}`,
    'Create several servers with one request.',
  ],
  ['os-migrations', 'Migrations', 'migrations/api/v2.0', `2013-05-30T00:00:00${UTC}`, 'Resize and migration records, for admins.'],
  ['os-networks', 'Networks', 'os-networks/api/v1.1', `2011-12-23T00:00:00${UTC}`, 'nova-network networks, and choosing them at boot.'],
  [
    'os-networks-associate',
    'NetworkAssociationSupport',
    'networks_associate/api/v2',
    `2012-11-19T00:00:00${UTC}`,
    'Associate networks with projects and hosts.',
  ],
  ['os-quota-class-sets', 'QuotaClasses', 'quota-classes-sets/api/v1.1', `2012-03-12T00:00:00${UTC}`, 'Quota limits of quota classes.'],
  ['os-quota-sets', 'Quotas', 'quotas-sets/api/v1.1', `2011-08-08T00:00:00${UTC}`, 'Quota limits of projects.'],
  ['os-rescue', 'Rescue', 'rescue/api/v1.1', `2011-08-18T00:00:00${UTC}`, 'Boot a server from a rescue image and back.'],
  ['os-shelve', 'Shelve', 'shelve/api/v1.1', `2013-04-06T00:00:00${UTC}`, 'Shelve a server: keep its disk as an image, free its host.'],
  ['OS-SCH-HNT', 'SchedulerHints', 'scheduler-hints/api/v2', `2011-07-19T00:00:00${UTC}`, 'Pass hints to the scheduler at boot.'],
  [
    'os-security-group-default-rules',
    'SecurityGroupDefaultRules',
    'securitygroupdefaultrules/api/v1.1',
    `2013-02-05T00:00:00${UTC}`,
    'Rules every new default security group starts with.',
  ],
  ['os-security-groups', 'SecurityGroups', 'securitygroups/api/v1.1', `2011-07-21T00:00:00${UTC}`, 'Security groups and their rules.'],
  [
    'os-server-diagnostics',
    'ServerDiagnostics',
    'server-diagnostics/api/v1.1',
    `2011-12-21T00:00:00${UTC}`,
    'Hypervisor diagnostics of a server.',
  ],
  [
    'os-server-groups',
    'ServerGroups',
    'servergroups/api/v2',
    `2013-06-20T00:00:00${UTC}`,
    'Server groups whose members the scheduler keeps on one host or on different hosts.',
  ],
  [
    'os-server-password',
    'ServerPassword',
    'server-password/api/v2',
    `2012-11-29T00:00:00${UTC}`,
    'The encrypted admin password a server posted.',
  ],
  ['os-server-start-stop', 'ServerStartStop', 'servers/api/v1.1', `2012-01-23T00:00:00${UTC}`, 'Start and stop servers.'],
  ['os-services', 'Services', 'services/api/v2', '2012-10-28T00:00:00-00:00', 'Nova services: list, enable and disable.'],
  [
    'os-simple-tenant-usage',
    'SimpleTenantUsage',
    'os-simple-tenant-usage/api/v1.1',
    `2011-08-19T00:00:00${UTC}`,
    'Usage of projects over a period.',
  ],
  [
    'os-tenant-networks',
    'OSTenantNetworks',
    'os-tenant-networks/api/v2',
    '2012-03-07T09:46:43-05:00',
    'Networks a project may see and create.',
  ],
  ['os-used-limits', 'UsedLimits', 'used_limits/api/v1.1', `2012-07-13T00:00:00${UTC}`, 'What a project uses, beside its limits.'],
  ['os-user-data', 'UserData', 'userdata/api/v1.1', `2012-08-07T00:00:00${UTC}`, 'Pass user data to a server at boot.'],
  [
    'os-virtual-interfaces',
    'VirtualInterfaces',
    'virtual_interfaces/api/v1.1',
    `2011-08-17T00:00:00${UTC}`,
    "A server's virtual network interfaces.",
  ],
];

/** The registry, sorted by alias. */
export const EXTENSIONS: readonly ExtensionInfo[] = REGISTRY.map(([alias, name, ns, updated, description]) => ({
  name,
  alias,
  namespace: ns.startsWith('http') ? ns : `${P}${ns}`,
  updated,
  description,
  links: [] as never[],
})).sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));

export function extensionsResource(): ResourceModule {
  return defineResource('extensions', (r) => {
    r.route({ method: 'GET', path: '/extensions', handler: async () => ({ extensions: EXTENSIONS }) });
    r.route({
      method: 'GET',
      path: '/extensions/:alias',
      handler: async (req) => {
        const found = EXTENSIONS.find((e) => e.alias === req.params.alias);
        if (!found) throw new NotFound('The resource could not be found.');
        return { extension: found };
      },
    });
  });
}
