import { computeResourceModules, createComputeApiServices } from '../api/openstack/compute/index.js';
import { networksResource } from '../api/openstack/compute/networks.js';
import type { ResourceModule } from '../api/openstack/routing.js';
import { NetworkAPI } from '../network/api.js';
import type { Runtime } from './runtime.js';

/** Every compute API resource, bound to the process's database and bus. */
export function computeResourcesFor(runtime: Runtime): ResourceModule[] {
  if (!runtime.db) throw new Error('the compute API needs the database');
  const services = createComputeApiServices(runtime.conf, runtime.db);
  return [...computeResourceModules(services), networksResource(NetworkAPI.fromConfig(runtime.conf, runtime.transport))];
}
