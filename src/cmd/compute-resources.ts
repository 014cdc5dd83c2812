import { adminActionsResource } from '../api/openstack/compute/admin-actions.js';
import { adminMigrateActionsResource } from '../api/openstack/compute/admin-migrate-actions.js';
import { agentsResource } from '../api/openstack/compute/agents.js';
import { aggregatesResource } from '../api/openstack/compute/aggregates.js';
import { certificatesResource } from '../api/openstack/compute/certificates.js';
import { consoleOutputResource } from '../api/openstack/compute/console-output.js';
import { deferredDeleteResource } from '../api/openstack/compute/deferred-delete.js';
import { fixedIpsResource } from '../api/openstack/compute/fixed-ips.js';
import { floatingIpActionsResource } from '../api/openstack/compute/floating-ip-actions.js';
import { floatingIpDnsResource } from '../api/openstack/compute/floating-ip-dns.js';
import { floatingIpPoolsResource, floatingIpsResource } from '../api/openstack/compute/floating-ips.js';
import { floatingIpsBulkResource } from '../api/openstack/compute/floating-ips-bulk.js';
import { fpingResource } from '../api/openstack/compute/fping.js';
import { hostsResource } from '../api/openstack/compute/hosts.js';
import { hypervisorsResource } from '../api/openstack/compute/hypervisors.js';
import { imagesResource } from '../api/openstack/compute/images.js';
import { type ComputeApiServices, computeResourceModules } from '../api/openstack/compute/index.js';
import { instanceActionsResource } from '../api/openstack/compute/instance-actions.js';
import { instanceUsageAuditLogResource } from '../api/openstack/compute/instance-usage-audit-log.js';
import { ipsResource } from '../api/openstack/compute/ips.js';
import { migrationsResource } from '../api/openstack/compute/migrations.js';
import { multinicResource } from '../api/openstack/compute/multinic.js';
import { networksResource } from '../api/openstack/compute/networks.js';
import { rescueResource } from '../api/openstack/compute/rescue.js';
import { resizeActionsResource } from '../api/openstack/compute/resize-actions.js';
import { securityGroupActionsResource } from '../api/openstack/compute/security-group-actions.js';
import { securityGroupDefaultRulesResource } from '../api/openstack/compute/security-group-default-rules.js';
import { securityGroupsResource } from '../api/openstack/compute/security-groups.js';
import { serverActionsResource } from '../api/openstack/compute/server-actions.js';
import { serverDiagnosticsResource } from '../api/openstack/compute/server-diagnostics.js';
import { serverGroupsResource } from '../api/openstack/compute/server-groups.js';
import { serverMetadataResource } from '../api/openstack/compute/server-metadata.js';
import { serverPasswordResource } from '../api/openstack/compute/server-password.js';
import { serverRebuildResource } from '../api/openstack/compute/server-rebuild.js';
import { serverStartStopResource } from '../api/openstack/compute/server-start-stop.js';
import { serversResource } from '../api/openstack/compute/servers.js';
import { servicesResource } from '../api/openstack/compute/services.js';
import { shelveResource } from '../api/openstack/compute/shelve.js';
import { simpleTenantUsageResource } from '../api/openstack/compute/simple-tenant-usage.js';
import { tenantNetworksResource } from '../api/openstack/compute/tenant-networks.js';
import { virtualInterfacesResource } from '../api/openstack/compute/virtual-interfaces.js';
import type { ResourceModule } from '../api/openstack/routing.js';
import { CertAPI } from '../cert/rpcapi.js';
import { dbFlavorLookup } from '../compute/api/adapters.js';
import type { ComputePolicy } from '../compute/api/deps.js';
import { AvailabilityZoneAPI } from '../compute/availability-zones.js';
import { computeContract } from '../compute/contract.js';
import { FlavorAPI } from '../compute/flavors.js';
import { KeypairAPI } from '../compute/keypairs.js';
import { MigrationAPI } from '../compute/migrations.js';
import { AgentAPI } from '../compute/operators/agents.js';
import { AggregateAPI } from '../compute/operators/aggregates.js';
import { Fping, fpingOpts } from '../compute/operators/fping.js';
import { HostAPI } from '../compute/operators/hosts.js';
import { HypervisorAPI } from '../compute/operators/hypervisors.js';
import { ServiceAPI } from '../compute/operators/services.js';
import { UsageAPI } from '../compute/operators/usage.js';
import { UsageAuditLogAPI } from '../compute/operators/usage-audit-log.js';
import { SecurityGroupAPI } from '../compute/security-groups.js';
import { ServerGroupAPI } from '../compute/server-groups.js';
import { VirtualInterfaceAPI } from '../compute/virtual-interfaces.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/api/common.js';
import type { ImageService } from '../image/glance-client.js';
import { NetworkAPI } from '../network/api.js';
import { createDbQuotaEngine } from '../quota/db-store.js';
import { ContractClient } from '../rpc/contract-client.js';
import { topicOpts } from '../service/opts.js';
import { serviceGroupFromConf } from '../servicegroup/factory.js';
import { cloudpipeResourceFor } from './cloudpipe-resource.js';
import { createComputeApi } from './compute-api-factory.js';
import type { Runtime } from './runtime.js';

export interface ComputeResourceDeps {
  policy: ComputePolicy;
  images: ImageService;
  /** The image service URL clients see, for the `alternate` links of /images. */
  imageEndpoint: string;
}

/** The compute-side services the API's resource modules call, over the process's database. */
export function createComputeApiServices(conf: Config, db: Db): ComputeApiServices {
  const quota = createDbQuotaEngine(conf, db);
  return { conf, quota, flavors: new FlavorAPI(db), keypairs: new KeypairAPI(db, quota), zones: new AvailabilityZoneAPI(db, conf) };
}

/** Every compute API resource, bound to the process's database, bus and image service. */
export function computeResourcesFor(runtime: Runtime, deps: ComputeResourceDeps): ResourceModule[] {
  if (!runtime.db) throw new Error('the compute API needs the database');
  const { conf, db, transport } = runtime;
  const services = createComputeApiServices(conf, db);
  const network = NetworkAPI.fromConfig(conf, transport);
  const flavors = dbFlavorLookup(db);
  const group = serviceGroupFromConf(conf);
  const computeRpc = new ContractClient(transport, computeContract, conf.get(topicOpts).compute_topic ?? 'compute');
  const compute = createComputeApi(runtime, { policy: deps.policy, images: deps.images, quota: services.quota, network, computeRpc });
  const securityGroups = new SecurityGroupAPI(db, services.quota, computeRpc);
  return [
    ...computeResourceModules(services),
    serversResource({ conf, compute, flavors, zones: services.zones }),
    serverMetadataResource({ compute }),
    serverPasswordResource({ compute }),
    serverActionsResource({ compute }),
    serverStartStopResource({ compute }),
    serverRebuildResource({ conf, compute, zones: services.zones }),
    adminActionsResource({ compute }),
    adminMigrateActionsResource({ conf, compute }),
    resizeActionsResource({ compute }),
    rescueResource({ conf, compute }),
    shelveResource({ compute }),
    consoleOutputResource({ compute }),
    serverDiagnosticsResource({ compute }),
    instanceActionsResource({ compute }),
    ipsResource({ compute }),
    deferredDeleteResource({ compute }),
    serverGroupsResource(new ServerGroupAPI(db, services.quota)),
    migrationsResource(new MigrationAPI(db)),
    virtualInterfacesResource({ conf, compute, vifs: new VirtualInterfaceAPI(db) }),
    networksResource(network),
    floatingIpsResource(network),
    floatingIpPoolsResource(network),
    floatingIpsBulkResource(network),
    floatingIpActionsResource({ compute, network }),
    floatingIpDnsResource(network),
    fixedIpsResource(network),
    tenantNetworksResource(network),
    multinicResource({ compute, network }),
    securityGroupsResource({ compute, securityGroups }),
    securityGroupActionsResource({ compute, securityGroups }),
    securityGroupDefaultRulesResource(securityGroups),
    imagesResource({ conf, images: deps.images, quota: services.quota, imageEndpoint: deps.imageEndpoint }),
    certificatesResource(new CertAPI(transport, conf.get(topicOpts).cert_topic ?? 'cert')),
    servicesResource({ services: new ServiceAPI(db, services.zones, group.liveness) }),
    hostsResource({ hosts: new HostAPI(db, services.zones, computeRpc) }),
    aggregatesResource({ aggregates: new AggregateAPI(db) }),
    simpleTenantUsageResource({ usage: new UsageAPI(db) }),
    agentsResource({ agents: new AgentAPI(db) }),
    fpingResource({ compute, fping: new Fping(conf.get(fpingOpts).fping_path ?? '/usr/sbin/fping') }),
    instanceUsageAuditLogResource({ auditLog: new UsageAuditLogAPI(db, conf) }),
    hypervisorsResource({ conf, hypervisors: new HypervisorAPI(db, computeRpc), liveness: group.liveness }),
    cloudpipeResourceFor(runtime, { compute, keypairs: services.keypairs, securityGroups }),
  ];
}
