/** `os-virtual-interfaces`: the MAC address and id of each network interface of a server. */
import { InvalidInput } from '../../../common/errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import type { VirtualInterfaceAPI } from '../../../compute/virtual-interfaces.js';
import { apiOpts } from '../../../config/api-opts.js';
import type { Config } from '../../../config/config.js';
import { type Query, queryParam } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';

/** Nova's `limited()`: `offset` and `limit` query parameters over a whole list, limit capped at osapi_max_limit. */
export function limited<T>(items: readonly T[], query: Query, maxLimit: number): T[] {
  const read = (name: 'offset' | 'limit'): number | undefined => {
    const raw = queryParam(query, name);
    if (raw === undefined) return undefined;
    if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new InvalidInput(`${name} param must be an integer`);
    const n = Number.parseInt(raw, 10);
    if (n < 0) throw new InvalidInput(`${name} param must be positive`);
    return n;
  };
  const offset = read('offset') ?? 0;
  const limit = Math.min(read('limit') ?? maxLimit, maxLimit) || maxLimit;
  return items.slice(offset, offset + limit);
}

export function virtualInterfacesResource(deps: { conf: Config; compute: ComputeAPI; vifs: VirtualInterfaceAPI }): ResourceModule {
  return defineResource('os-virtual-interfaces', (r) => {
    r.route({
      method: 'GET',
      path: '/servers/:server_id/os-virtual-interfaces',
      handler: async (req) => {
        req.authorize('compute_extension:virtual_interfaces');
        const instance = await deps.compute.get(req.ctx, req.params.server_id as string);
        const vifs = await deps.vifs.forInstance(req.ctx, instance);
        const page = limited(vifs, req.query, deps.conf.get(apiOpts).osapi_max_limit ?? 1000);
        return { virtual_interfaces: page.map((v) => ({ id: v.uuid, mac_address: v.address })) };
      },
    });
  });
}
