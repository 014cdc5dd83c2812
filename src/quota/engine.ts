/**
 * Quota enforcement by COUNTING, not by reservations.
 *
 * Grizzly kept usage in a `quota_usages` table and moved it with reserve → commit/rollback.
 * Every lost commit, crashed request or expired reservation left that table out of step
 * with the instances that really exist, and users were refused (or allowed) wrongly until
 * an operator reset it (docs/quota.md; Nova itself moved to
 * counting in Pike). Here usage is counted from the rows that exist each time it is needed,
 * so there is nothing to drift, expire or refresh: reservation_expire, until_refresh and
 * max_age are accepted in nova.conf and ignored.
 *
 * The price is that two concurrent requests can both pass a check and together exceed the
 * limit. Callers close that window with the check → create → recheck pattern:
 *
 *   await quota.checkDeltas(ctx, projectId, { instances: 2, cores: 4, ram: 4096 });
 *   ...create the rows...
 *   try { await quota.recheck(ctx, projectId, ['instances', 'cores', 'ram']); }
 *   catch (err) { ...delete the rows just created...; throw; }
 *
 * The recheck counts again with the new rows present (delta 0), so whichever racing request
 * tips usage over the limit sees it and backs out. When both see it, both back out: a spurious
 * refusal is preferred to exceeding the quota.
 */

import { InvalidQuotaValue, OverQuota, QuotaResourceUnknown } from '../common/errors.js';
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import { type InstanceRequest, instanceDeltas, reduceInstanceCount } from './instances.js';
import { NOOP_QUOTA_DRIVER, networkQuotaOpts, quotaOpts } from './opts.js';
import { INSTANCE_RESOURCES, type QuotaResource, quotaResources } from './resources.js';
import type { QuotaLimitStore, UsageCounter } from './store.js';

export interface ProjectQuota {
  limit: number;
  /** Present when usages were asked for. */
  in_use?: number;
  /** Always 0 when present: nothing is ever held in reserve. */
  reserved?: number;
}

export interface GetProjectQuotasOptions {
  /** Also count usage (in_use) for each resource. */
  usages?: boolean;
  /** The quota class to apply when projectId is not the caller's own project. */
  quotaClass?: string | null;
}

/** Whose rows countable resources are counted over. */
export interface CountScope {
  /** Owner of the key pairs counted for `key_pairs`; the caller's user when not given. */
  userId?: string | null;
  /** Group whose rules are counted for `security_group_rules`. */
  securityGroupId?: string | null;
  /** An instance left out of the instances/cores/ram count. */
  excludeInstanceUuid?: string;
}

const UNLIMITED = -1;

function sortedNames(names: Iterable<string>): string[] {
  return [...names].sort();
}

function asLimit(value: number | null | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value === null ? UNLIMITED : value;
}

export class QuotaEngine {
  /** quota_driver = NoopQuotaDriver: every limit is -1 and nothing is ever refused. */
  readonly noop: boolean;
  readonly #conf: Config;
  readonly #limits: QuotaLimitStore;
  readonly #counter: UsageCounter;
  readonly #resources: ReadonlyMap<string, QuotaResource>;

  constructor(conf: Config, limitStore: QuotaLimitStore, usageCounter: UsageCounter) {
    this.#conf = conf;
    this.#limits = limitStore;
    this.#counter = usageCounter;
    this.noop = conf.get(quotaOpts).quota_driver === NOOP_QUOTA_DRIVER;
    const resources = quotaResources(conf.get(networkQuotaOpts).enable_network_quota);
    this.#resources = new Map(resources.map((r) => [r.name, r]));
  }

  /** The registered resources, sorted by name. */
  resources(): QuotaResource[] {
    return [...this.#resources.values()];
  }

  resourceNames(): string[] {
    return [...this.#resources.keys()];
  }

  resource(name: string): QuotaResource | undefined {
    return this.#resources.get(name);
  }

  /** The configured default of every resource (what GET .../defaults shows). */
  getDefaults(): Record<string, number> {
    const out: Record<string, number> = {};
    const values = { ...this.#conf.get(quotaOpts), ...this.#conf.get(networkQuotaOpts) } as Record<string, unknown>;
    for (const r of this.#resources.values()) {
      const value = values[r.option];
      out[r.name] = this.noop ? UNLIMITED : typeof value === 'number' ? value : UNLIMITED;
    }
    return out;
  }

  /** The limits of a quota class: its own rows over the config defaults. */
  async getClassQuotas(className: string): Promise<Record<string, number>> {
    const defaults = this.getDefaults();
    if (this.noop) return defaults;
    const rows = await this.#limits.classLimits(className);
    const out: Record<string, number> = {};
    for (const name of this.#resources.keys()) out[name] = asLimit(rows[name]) ?? (defaults[name] as number);
    return out;
  }

  /**
   * Every resource's effective limit for the project (project row > class row > default)
   * and, when asked, its usage. The caller's own quota class applies to its own project.
   */
  async getProjectQuotas(
    ctx: RequestContext,
    projectId: string,
    opts: GetProjectQuotasOptions = {},
  ): Promise<Record<string, ProjectQuota>> {
    const out: Record<string, ProjectQuota> = {};
    if (this.noop) {
      for (const name of this.#resources.keys()) {
        out[name] = opts.usages ? { limit: UNLIMITED, in_use: UNLIMITED, reserved: UNLIMITED } : { limit: UNLIMITED };
      }
      return out;
    }
    const quotaClass = projectId === ctx.projectId ? ctx.quotaClass : (opts.quotaClass ?? null);
    const limits = await this.#resolveLimits(projectId, quotaClass);
    let usage: Record<string, number> = {};
    if (opts.usages) {
      const projectScoped = [...this.#resources.values()].filter((r) => r.scope === 'project').map((r) => r.name);
      usage = await this.#count(ctx, projectId, projectScoped, {});
    }
    for (const name of this.#resources.keys()) {
      const limit = limits[name] as number;
      out[name] = opts.usages ? { limit, in_use: usage[name] ?? 0, reserved: 0 } : { limit };
    }
    return out;
  }

  /** Sets a project's limit for one resource (os-quota-sets update). */
  async updateProjectQuota(projectId: string, resource: string, limit: number): Promise<void> {
    this.#validateLimit(resource, limit);
    await this.#limits.setProjectLimit(projectId, resource, limit);
  }

  /** Sets a quota class's limit for one resource (os-quota-class-sets update). */
  async updateClassQuota(className: string, resource: string, limit: number): Promise<void> {
    this.#validateLimit(resource, limit);
    await this.#limits.setClassLimit(className, resource, limit);
  }

  /** Forgets every limit set for the project. Its usage needs no cleanup: it is counted. */
  async destroyAllByProject(projectId: string): Promise<void> {
    await this.#limits.destroyProjectLimits(projectId);
  }

  /**
   * Checks proposed values of absolute or countable resources against their limits
   * (`metadata_items: 12`, `key_pairs: count + 1`). Throws InvalidQuotaValue for a negative
   * value, QuotaResourceUnknown for a resource of another kind, OverQuota for values over.
   */
  async limitCheck(projectId: string, values: Readonly<Record<string, number>>, opts: { quotaClass?: string | null } = {}): Promise<void> {
    const names = Object.keys(values);
    const negative = sortedNames(names.filter((n) => (values[n] as number) < 0));
    if (negative.length) {
      throw new InvalidQuotaValue(`Change would make usage less than 0 for the following resources: ${negative.join(', ')}`, {
        kwargs: { unders: negative },
      });
    }
    this.#requireKinds(names, ['absolute', 'countable']);
    if (this.noop) return;
    const limits = await this.#resolveLimits(projectId, opts.quotaClass ?? null);
    const quotas: Record<string, number> = {};
    for (const n of names) quotas[n] = limits[n] as number;
    const overs = sortedNames(names.filter((n) => (quotas[n] as number) >= 0 && (quotas[n] as number) < (values[n] as number)));
    if (overs.length) throw new OverQuota(overs, quotas, {});
  }

  /**
   * Whether the project can take on these deltas of reservable (or, with a scope, countable)
   * resources given what exists now. Negative deltas are never refused, so a project over
   * its limit can always shrink. Throws OverQuota carrying the limits and counted usages.
   */
  async checkDeltas(
    ctx: RequestContext,
    projectId: string,
    deltas: Readonly<Record<string, number>>,
    scope: CountScope = {},
  ): Promise<void> {
    const names = Object.keys(deltas);
    this.#requireKinds(names, ['reservable', 'countable']);
    if (this.noop) return;
    const quotaClass = projectId === ctx.projectId ? ctx.quotaClass : null;
    const [limits, usage] = await Promise.all([this.#resolveLimits(projectId, quotaClass), this.#count(ctx, projectId, names, scope)]);
    const quotas: Record<string, number> = {};
    const usages: Record<string, { in_use: number; reserved: number }> = {};
    const overs: string[] = [];
    for (const name of names) {
      const limit = limits[name] as number;
      const inUse = usage[name] ?? 0;
      const delta = deltas[name] as number;
      quotas[name] = limit;
      usages[name] = { in_use: inUse, reserved: 0 };
      if (limit >= 0 && delta >= 0 && limit < inUse + delta) overs.push(name);
    }
    if (overs.length) throw new OverQuota(sortedNames(overs), quotas, usages);
  }

  /**
   * The second half of check → create → recheck: with the caller's new rows in place,
   * throws OverQuota if any of these resources is now over its limit. The caller then
   * deletes what it created.
   */
  async recheck(ctx: RequestContext, projectId: string, resources: Iterable<string>, scope: CountScope = {}): Promise<void> {
    const zeros: Record<string, number> = {};
    for (const name of resources) zeros[name] = 0;
    await this.checkDeltas(ctx, projectId, zeros, scope);
  }

  /**
   * The instances quota of a create (nova/compute/api.py, _check_num_instances_quota): how many of request.maxCount instances
   * may be built, at least request.minCount; throws TooManyInstances when fewer fit.
   */
  async checkInstanceCreate(ctx: RequestContext, projectId: string, request: InstanceRequest): Promise<number> {
    let maxCount = request.maxCount;
    for (;;) {
      try {
        await this.checkDeltas(ctx, projectId, instanceDeltas(maxCount, request));
        return maxCount;
      } catch (err) {
        if (!(err instanceof OverQuota)) throw err;
        maxCount = reduceInstanceCount(err, { ...request, maxCount });
      }
    }
  }

  /** Current usage of the named resources (in_use), counted over the project or the scope. */
  async countUsage(
    ctx: RequestContext,
    projectId: string,
    resources: Iterable<string>,
    scope: CountScope = {},
  ): Promise<Record<string, number>> {
    const names = [...resources];
    this.#requireKinds(names, ['reservable', 'countable']);
    return this.#count(ctx, projectId, names, scope);
  }

  #validateLimit(resource: string, limit: number): void {
    if (!this.#resources.has(resource)) {
      throw new QuotaResourceUnknown(`Unknown quota resources ${resource}.`, { kwargs: { unknown: [resource] } });
    }
    if (!Number.isInteger(limit)) {
      throw new InvalidQuotaValue(`Quota limit for ${resource} must be an integer.`, { kwargs: { resource, limit } });
    }
    if (limit < UNLIMITED) {
      throw new InvalidQuotaValue(`Quota limit for ${resource} must be -1 or greater.`, { kwargs: { resource, limit } });
    }
  }

  #requireKinds(names: readonly string[], kinds: readonly QuotaResource['kind'][]): void {
    const unknown = sortedNames(names.filter((n) => !kinds.includes(this.#resources.get(n)?.kind as QuotaResource['kind'])));
    if (unknown.length) {
      throw new QuotaResourceUnknown(`Unknown quota resources ${unknown.join(', ')}.`, { kwargs: { unknown } });
    }
  }

  async #resolveLimits(projectId: string, quotaClass: string | null): Promise<Record<string, number>> {
    const [projectRows, classRows] = await Promise.all([
      this.#limits.projectLimits(projectId),
      quotaClass ? this.#limits.classLimits(quotaClass) : Promise.resolve({} as Record<string, number | null>),
    ]);
    const defaults = this.getDefaults();
    const out: Record<string, number> = {};
    for (const name of this.#resources.keys()) {
      out[name] = asLimit(projectRows[name]) ?? asLimit(classRows[name]) ?? (defaults[name] as number);
    }
    return out;
  }

  async #count(ctx: RequestContext, projectId: string, names: readonly string[], scope: CountScope): Promise<Record<string, number>> {
    const wanted = new Set(names);
    const userId = scope.userId ?? ctx.userId;
    if (wanted.has('key_pairs') && !userId) throw new Error('counting key_pairs needs a user: pass scope.userId or a context with a user');
    const groupId = scope.securityGroupId;
    if (wanted.has('security_group_rules') && !groupId) throw new Error('counting security_group_rules needs scope.securityGroupId');

    const out: Record<string, number> = {};
    const jobs: Promise<void>[] = [];
    if (INSTANCE_RESOURCES.some((n) => wanted.has(n))) {
      const opts = scope.excludeInstanceUuid ? { excludeUuid: scope.excludeInstanceUuid } : undefined;
      jobs.push(
        this.#counter.countInstances(projectId, opts).then((u) => {
          out.instances = u.instances;
          out.cores = u.cores;
          out.ram = u.ram;
        }),
      );
    }
    const counters: Record<string, () => Promise<number>> = {
      floating_ips: () => this.#counter.countFloatingIps(projectId),
      fixed_ips: () => this.#counter.countFixedIps(projectId),
      security_groups: () => this.#counter.countSecurityGroups(projectId),
      networks: () => this.#counter.countNetworks(projectId),
      key_pairs: () => this.#counter.countKeyPairs(userId as string),
      security_group_rules: () => this.#counter.countSecurityGroupRules(groupId as string),
    };
    for (const [name, count] of Object.entries(counters)) {
      if (wanted.has(name))
        jobs.push(
          count().then((n) => {
            out[name] = n;
          }),
        );
    }
    await Promise.all(jobs);
    return out;
  }
}
