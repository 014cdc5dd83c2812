import { certificatesResource } from '../api/openstack/compute/certificates.js';
import { fixedIpsResource } from '../api/openstack/compute/fixed-ips.js';
import { floatingIpActionsResource } from '../api/openstack/compute/floating-ip-actions.js';
import { floatingIpDnsResource } from '../api/openstack/compute/floating-ip-dns.js';
import { floatingIpPoolsResource, floatingIpsResource } from '../api/openstack/compute/floating-ips.js';
import { floatingIpsBulkResource } from '../api/openstack/compute/floating-ips-bulk.js';
import { imagesResource } from '../api/openstack/compute/images.js';
import { type ComputeApiServices, computeResourceModules } from '../api/openstack/compute/index.js';
import { ipsResource } from '../api/openstack/compute/ips.js';
import { multinicResource } from '../api/openstack/compute/multinic.js';
import { networksResource } from '../api/openstack/compute/networks.js';
import { securityGroupActionsResource } from '../api/openstack/compute/security-group-actions.js';
import { securityGroupDefaultRulesResource } from '../api/openstack/compute/security-group-default-rules.js';
import { securityGroupsResource } from '../api/openstack/compute/security-groups.js';
import { serverMetadataResource } from '../api/openstack/compute/server-metadata.js';
import { serverPasswordResource } from '../api/openstack/compute/server-password.js';
import { serversResource } from '../api/openstack/compute/servers.js';
import { tenantNetworksResource } from '../api/openstack/compute/tenant-networks.js';
import type { ResourceModule } from '../api/openstack/routing.js';
import { CertAPI } from '../cert/rpcapi.js';
import { dbFlavorLookup, dbKeypairLookup, networkApiValidator } from '../compute/api/adapters.js';
import type { ComputePolicy } from '../compute/api/deps.js';
import { ComputeAPI } from '../compute/api/index.js';
import { AvailabilityZoneAPI } from '../compute/availability-zones.js';
import { computeContract } from '../compute/contract.js';
import { FlavorAPI } from '../compute/flavors.js';
import { KeypairAPI } from '../compute/keypairs.js';
import { SecurityGroupAPI } from '../compute/security-groups.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/api/common.js';
import type { ImageService } from '../image/glance-client.js';
import { NetworkAPI } from '../network/api.js';
import { createDbQuotaEngine } from '../quota/db-store.js';
import { ContractClient } from '../rpc/contract-client.js';
import { schedulerContract } from '../scheduler/contract.js';
import { topicOpts } from '../service/opts.js';
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
  const topics = conf.get(topicOpts);
  const computeRpc = new ContractClient(transport, computeContract, topics.compute_topic ?? 'compute');
  const securityGroups = new SecurityGroupAPI(db, services.quota, computeRpc);
  const compute = new ComputeAPI({
    db,
    conf,
    quota: services.quota,
    policy: deps.policy,
    images: deps.images,
    flavors,
    keypairs: dbKeypairLookup(db),
    network: networkApiValidator(network),
    scheduler: new ContractClient(transport, schedulerContract, topics.scheduler_topic ?? 'scheduler'),
    compute: computeRpc,
  });
  return [
    ...computeResourceModules(services),
    serversResource({ conf, compute, flavors, zones: services.zones }),
    serverMetadataResource({ compute }),
    serverPasswordResource({ compute }),
    ipsResource({ compute }),
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
  ];
}
