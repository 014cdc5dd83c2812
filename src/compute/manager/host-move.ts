/**
 * What an instance arriving on this host from another (evacuate, live migration) needs
 * from the network: its networks served here (the network API's setup_networks_on_host for
 * this host) and its cached network info read again as seen from here.
 */
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import type { NetworkInfo } from '../../virt/network-model.js';
import type { ComputeHost } from './host.js';

export async function setupNetworkHere(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<NetworkInfo> {
  const uuid = instance.uuid as string;
  const ref = { uuid, project_id: instance.project_id, host: h.host };
  await h.network.setupNetworksOnHost(ctx, ref, h.host);
  const networkInfo = await h.network.getInstanceNwInfo(ctx, ref);
  await h.conductor.call(ctx, 'instance_info_cache_update', { instance: { uuid }, values: { network_info: JSON.stringify(networkInfo) } });
  return networkInfo;
}

/** The node of this host an arriving instance is placed on (its driver's first). */
export async function nodeHere(h: ComputeHost): Promise<string> {
  return (await h.driver.getAvailableNodes())[0] ?? h.host;
}
