/**
 * `os-fping`: whether each server answers pings on any of its addresses. Members see
 * their own project's servers; `all_tenants` is for admins.
 */
import type { ComputeAPI } from '../../../compute/api/index.js';
import type { Fping } from '../../../compute/operators/fping.js';
import { queryParam } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';
import { instanceAddresses } from './views/servers.js';

type Instance = Awaited<ReturnType<ComputeAPI['get']>>;

function addressesOf(instance: Instance): string[] {
  return Object.values(instanceAddresses(instance, false)).flatMap((list) => list.map((a) => a.addr));
}

export function fpingResource(deps: { compute: ComputeAPI; fping: Fping }): ResourceModule {
  const { compute, fping } = deps;
  return defineResource('os-fping', (r) => {
    r.route({
      method: 'GET',
      path: '/os-fping',
      handler: async (req) => {
        const allTenants = queryParam(req.query, 'all_tenants') !== undefined;
        const search: Record<string, string | boolean> = { deleted: false };
        if (allTenants) {
          req.authorize('compute_extension:fping:all_tenants');
        } else {
          req.authorize('compute_extension:fping');
          if (req.ctx.projectId) search.project_id = req.ctx.projectId;
          else if (req.ctx.userId) search.user_id = req.ctx.userId;
        }
        fping.assertAvailable();
        const split = (name: string) => (queryParam(req.query, name) ?? '').split(',').filter(Boolean);
        const include = split('include');
        const exclude = include.length ? [] : split('exclude');
        const instances = (await compute.getAll(req.ctx, search)).filter(
          (i) => !exclude.includes(i.uuid as string) && (include.length === 0 || include.includes(i.uuid as string)),
        );
        const ips = new Map(instances.map((i) => [i, addressesOf(i)]));
        const alive = await fping.alive([...ips.values()].flat());
        return {
          servers: instances.map((i) => ({
            id: i.uuid,
            project_id: i.project_id,
            alive: (ips.get(i) ?? []).some((a) => alive.has(a)),
          })),
        };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-fping/:server_id',
      handler: async (req) => {
        req.authorize('compute_extension:fping');
        fping.assertAvailable();
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const ips = addressesOf(instance);
        const alive = await fping.alive(ips);
        return { server: { id: instance.uuid, project_id: instance.project_id, alive: ips.some((a) => alive.has(a)) } };
      },
    });
  });
}
