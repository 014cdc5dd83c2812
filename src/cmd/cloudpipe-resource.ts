/** os-cloudpipe bound to the process: the compute API, key pairs and nova-cert behind cloudpipe's launcher. */
import { cloudpipeResource } from '../api/openstack/compute/cloudpipe.js';
import type { ResourceModule } from '../api/openstack/routing.js';
import { CertAPI } from '../cert/rpcapi.js';
import { CloudpipeAPI } from '../cloudpipe/api.js';
import { CloudPipe } from '../cloudpipe/pipelib.js';
import { dbFlavorByName } from '../compute/api/adapters.js';
import type { ComputeAPI } from '../compute/api/index.js';
import type { KeypairAPI } from '../compute/keypairs.js';
import type { SecurityGroupAPI } from '../compute/security-groups.js';
import { topicOpts } from '../service/opts.js';
import type { Runtime } from './runtime.js';

export interface CloudpipeWiring {
  compute: ComputeAPI;
  keypairs: KeypairAPI;
  securityGroups: SecurityGroupAPI;
}

export function cloudpipeApiFor(runtime: Runtime, deps: CloudpipeWiring): CloudpipeAPI {
  if (!runtime.db) throw new Error('cloudpipe needs the database');
  const { conf, db, transport } = runtime;
  const pipe = new CloudPipe({
    conf,
    compute: deps.compute,
    securityGroups: deps.securityGroups,
    keypairs: deps.keypairs,
    cert: new CertAPI(transport, conf.get(topicOpts).cert_topic ?? 'cert'),
    flavorByName: dbFlavorByName(db),
  });
  return new CloudpipeAPI({ conf, db, compute: deps.compute, pipe });
}

export function cloudpipeResourceFor(runtime: Runtime, deps: CloudpipeWiring): ResourceModule {
  return cloudpipeResource(cloudpipeApiFor(runtime, deps));
}
