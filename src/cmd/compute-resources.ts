import { certificatesResource } from '../api/openstack/compute/certificates.js';
import { imagesResource } from '../api/openstack/compute/images.js';
import { computeResourceModules, createComputeApiServices } from '../api/openstack/compute/index.js';
import { ipsResource } from '../api/openstack/compute/ips.js';
import { networksResource } from '../api/openstack/compute/networks.js';
import { serverMetadataResource } from '../api/openstack/compute/server-metadata.js';
import { serversResource } from '../api/openstack/compute/servers.js';
import type { ResourceModule } from '../api/openstack/routing.js';
import { CertAPI } from '../cert/rpcapi.js';
import { dbFlavorLookup, dbKeypairLookup, networkApiValidator } from '../compute/api/adapters.js';
import type { ComputePolicy } from '../compute/api/deps.js';
import { ComputeAPI } from '../compute/api.js';
import { ComputeRPCAPI } from '../compute/rpcapi.js';
import type { ImageService } from '../image/glance-client.js';
import { NetworkAPI } from '../network/api.js';
import { SchedulerRPCAPI } from '../scheduler/rpcapi.js';
import { topicOpts } from '../service/opts.js';
import type { Runtime } from './runtime.js';

export interface ComputeResourceDeps {
  policy: ComputePolicy;
  images: ImageService;
  /** The image service URL clients see, for the `alternate` links of /images. */
  imageEndpoint: string;
}

/** Every compute API resource, bound to the process's database, bus and image service. */
export function computeResourcesFor(runtime: Runtime, deps: ComputeResourceDeps): ResourceModule[] {
  if (!runtime.db) throw new Error('the compute API needs the database');
  const { conf, db, transport } = runtime;
  const services = createComputeApiServices(conf, db);
  const network = NetworkAPI.fromConfig(conf, transport);
  const flavors = dbFlavorLookup(db);
  const compute = new ComputeAPI({
    db,
    conf,
    quota: services.quota,
    policy: deps.policy,
    images: deps.images,
    flavors,
    keypairs: dbKeypairLookup(db),
    network: networkApiValidator(network),
    scheduler: new SchedulerRPCAPI(transport),
    compute: new ComputeRPCAPI(transport),
  });
  return [
    ...computeResourceModules(services),
    serversResource({ db, conf, compute, flavors }),
    serverMetadataResource({ compute }),
    ipsResource({ compute }),
    networksResource(network),
    imagesResource({ conf, images: deps.images, quota: services.quota, imageEndpoint: deps.imageEndpoint }),
    certificatesResource(new CertAPI(transport, conf.get(topicOpts).cert_topic ?? 'cert')),
  ];
}
