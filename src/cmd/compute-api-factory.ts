/** One ComputeAPI over the process's database and bus, for every API that drives instances (OpenStack, EC2). */
import { dbFlavorLookup, dbKeypairLookup, networkApiValidator } from '../compute/api/adapters.js';
import type { ComputePolicy } from '../compute/api/deps.js';
import { ComputeAPI } from '../compute/api/index.js';
import { computeContract } from '../compute/contract.js';
import { conductorContract } from '../conductor/contract.js';
import type { ImageService } from '../image/glance-client.js';
import type { NetworkAPI } from '../network/api.js';
import { notifierFromConf } from '../notifications/factory.js';
import type { QuotaEngine } from '../quota/engine.js';
import { ContractClient } from '../rpc/contract-client.js';
import { schedulerContract } from '../scheduler/contract.js';
import { conductorOpts, topicOpts } from '../service/opts.js';
import type { Runtime } from './runtime.js';

export interface ComputeApiWiring {
  policy: ComputePolicy;
  images: ImageService;
  quota: QuotaEngine;
  network: Pick<NetworkAPI, 'validateNetworks' | 'deallocateForInstance'>;
  /** The compute RPC client, when the caller also hands it to other services. */
  computeRpc?: ContractClient<typeof computeContract>;
}

export function createComputeApi(runtime: Runtime, wiring: ComputeApiWiring): ComputeAPI {
  if (!runtime.db) throw new Error('the compute API needs the database');
  const { conf, db, transport } = runtime;
  const topics = conf.get(topicOpts);
  return new ComputeAPI({
    db,
    conf,
    quota: wiring.quota,
    policy: wiring.policy,
    images: wiring.images,
    imageStore: wiring.images,
    flavors: dbFlavorLookup(db),
    keypairs: dbKeypairLookup(db),
    network: networkApiValidator(wiring.network),
    networkRelease: wiring.network,
    notifier: notifierFromConf(conf, transport),
    scheduler: new ContractClient(transport, schedulerContract, topics.scheduler_topic ?? 'scheduler'),
    compute: wiring.computeRpc ?? new ContractClient(transport, computeContract, topics.compute_topic ?? 'compute'),
    conductorTasks: new ContractClient(transport, conductorContract, conf.get(conductorOpts).topic ?? 'conductor'),
  });
}
