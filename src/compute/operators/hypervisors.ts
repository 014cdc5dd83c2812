/**
 * Hypervisors (compute nodes) as os-hypervisors shows them: the nodes with their service,
 * the servers on a node's host, totals over every node, and a host's uptime asked of its
 * compute service.
 */
import { ComputeHostNotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import {
  type ComputeNodeStatistics,
  type ComputeNodeWithRelations,
  computeNodeGet,
  computeNodeGetAll,
  computeNodeStatistics,
} from '../../db/api/compute-nodes.js';
import { type InstanceRecord, instanceGetAllByHost } from '../../db/api/instances.js';
import type { ComputeClient } from '../contract.js';

export type Hypervisor = ComputeNodeWithRelations;

export class HypervisorAPI {
  constructor(
    private readonly db: Db,
    private readonly compute: Pick<ComputeClient, 'call'>,
  ) {}

  list(ctx: RequestContext): Promise<Hypervisor[]> {
    return computeNodeGetAll(this.db, ctx);
  }

  /** The node; ComputeHostNotFound (404), also for an id that is not an integer. */
  async get(ctx: RequestContext, id: string): Promise<Hypervisor> {
    if (!/^\d+$/.test(id)) throw notFound(id);
    return computeNodeGet(this.db, ctx, Number(id));
  }

  /** Nodes whose hypervisor_hostname contains `pattern` literally; ComputeHostNotFound when none. */
  async search(ctx: RequestContext, pattern: string): Promise<Hypervisor[]> {
    // Filtered here rather than by SQL LIKE, where `%` and `_` in the pattern would be wildcards.
    const found = (await computeNodeGetAll(this.db, ctx)).filter((n) => n.hypervisor_hostname?.includes(pattern));
    if (found.length === 0) throw notFound(pattern);
    return found;
  }

  /** Matching nodes, each with the live instances of its service's host. */
  async servers(ctx: RequestContext, pattern: string): Promise<{ node: Hypervisor; instances: InstanceRecord[] }[]> {
    const nodes = await this.search(ctx, pattern);
    return Promise.all(
      nodes.map(async (node) => ({
        node,
        instances: node.service?.host ? await instanceGetAllByHost(this.db, ctx, node.service.host) : [],
      })),
    );
  }

  statistics(ctx: RequestContext): Promise<ComputeNodeStatistics> {
    return computeNodeStatistics(this.db, ctx);
  }

  /** The node and its host's `uptime` text; 501 from drivers that cannot tell. */
  async uptime(ctx: RequestContext, id: string): Promise<{ node: Hypervisor; uptime: string }> {
    const node = await this.get(ctx, id);
    const host = node.service?.host;
    if (!host) throw notFound(id);
    return { node, uptime: await this.compute.call(ctx, 'get_host_uptime', {}, { server: host }) };
  }
}

function notFound(id: string): ComputeHostNotFound {
  return new ComputeHostNotFound(`Compute host ${id} could not be found.`, { kwargs: { host: id } });
}
