/**
 * Per-project usage over a period (Grizzly's os-simple-tenant-usage): every instance
 * alive in the window is billed its flavor for the hours it ran inside the window.
 */
import { FlavorNotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import { type FlavorRecord, flavorGet } from '../../db/api/flavors.js';
import { instanceGetActiveByWindow } from '../../db/api/instance-windows.js';
import type { Instance } from '../../db/types.js';

export interface ServerUsage {
  instance_id: string | null;
  name: string | null;
  hours: number;
  memory_mb: number;
  local_gb: number;
  vcpus: number;
  tenant_id: string | null;
  flavor: string | null;
  started_at: Date | null;
  ended_at: Date | null;
  state: string | null;
  uptime: number;
}

export interface TenantUsage {
  tenant_id: string | null;
  start: Date;
  stop: Date;
  total_hours: number;
  total_local_gb_usage: number;
  total_vcpus_usage: number;
  total_memory_mb_usage: number;
  server_usages?: ServerUsage[];
}

const asDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(`${v.replace(' ', 'T')}Z`));

/** Hours of [launched_at, terminated_at) inside [start, stop]; nothing before launch. */
export function billedHours(instance: Pick<Instance, 'launched_at' | 'terminated_at'>, start: Date, stop: Date): number {
  const launched = asDate(instance.launched_at);
  if (!launched || launched > stop) return 0;
  const terminated = asDate(instance.terminated_at);
  const from = Math.max(launched.getTime(), start.getTime());
  const to = terminated ? Math.min(stop.getTime(), terminated.getTime()) : stop.getTime();
  return (to - from) / 3_600_000;
}

export class UsageAPI {
  constructor(private readonly db: Db) {}

  /** One summary per project with instances in [start, stop], with server rows when `detailed`. */
  async tenantUsages(
    ctx: RequestContext,
    start: Date,
    stop: Date,
    options: { projectId?: string; detailed: boolean; now?: Date },
  ): Promise<TenantUsage[]> {
    const now = options.now ?? new Date();
    const instances = await instanceGetActiveByWindow(
      this.db,
      ctx,
      start,
      stop,
      options.projectId !== undefined ? { projectId: options.projectId } : {},
    );
    const flavors = new Map<number, FlavorRecord | null>();
    const byProject = new Map<string | null, TenantUsage>();
    for (const instance of instances) {
      const flavor = await this.#flavor(ctx, flavors, instance.instance_type_id);
      // An instance whose flavor is gone cannot be billed (Nova skips it too).
      if (!flavor) continue;
      const hours = billedHours(instance, start, stop);
      const startedAt = asDate(instance.launched_at);
      const endedAt = asDate(instance.terminated_at);
      const upTo = endedAt ?? now;
      const server: ServerUsage = {
        instance_id: instance.uuid,
        name: instance.display_name,
        hours,
        memory_mb: flavor.memory_mb,
        local_gb: (flavor.root_gb ?? 0) + (flavor.ephemeral_gb ?? 0),
        vcpus: flavor.vcpus,
        tenant_id: instance.project_id,
        flavor: flavor.name,
        started_at: startedAt,
        ended_at: endedAt,
        state: endedAt ? 'terminated' : instance.vm_state,
        uptime: startedAt ? Math.floor((upTo.getTime() - startedAt.getTime()) / 1000) : 0,
      };
      let summary = byProject.get(instance.project_id);
      if (!summary) {
        summary = {
          tenant_id: instance.project_id,
          start,
          stop,
          total_hours: 0,
          total_local_gb_usage: 0,
          total_vcpus_usage: 0,
          total_memory_mb_usage: 0,
          ...(options.detailed ? { server_usages: [] } : {}),
        };
        byProject.set(instance.project_id, summary);
      }
      summary.total_local_gb_usage += server.local_gb * hours;
      summary.total_vcpus_usage += server.vcpus * hours;
      summary.total_memory_mb_usage += server.memory_mb * hours;
      summary.total_hours += hours;
      summary.server_usages?.push(server);
    }
    return [...byProject.values()];
  }

  async #flavor(ctx: RequestContext, cache: Map<number, FlavorRecord | null>, id: number | null): Promise<FlavorRecord | null> {
    if (id === null) return null;
    if (!cache.has(id)) {
      const flavor = await flavorGet(this.db, ctx, id).catch((err: unknown) => {
        if (err instanceof FlavorNotFound) return null;
        throw err;
      });
      cache.set(id, flavor);
    }
    return cache.get(id) ?? null;
  }
}
