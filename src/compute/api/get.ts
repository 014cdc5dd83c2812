/** compute.api get / get_all: policy, then instance_get_by_uuid or instance_get_all_by_filters. */
import { BoundedRegex, RegexSyntaxError } from '../../common/bounded-regex.js';
import { InvalidInput } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import {
  type FilterValue,
  type InstanceRecord,
  instanceGetAllByFilters,
  instanceGetByUuid,
  instanceInfoCachesByProject,
  type ListOptions,
} from '../../db/api/instances.js';
import { hydrateNetworkInfo, type NetworkInfo } from '../../virt/network-model.js';
import type { ComputeApiDeps } from './deps.js';

/** The instance as target of `compute:<action>`: its own project and user. */
export function instanceTarget(instance: InstanceRecord): Record<string, unknown> {
  return { ...instance, project_id: instance.project_id, user_id: instance.user_id };
}

/** One instance the caller may see; InstanceNotFound (404) for another project's instance. */
export async function getInstance(deps: ComputeApiDeps, ctx: RequestContext, uuid: string): Promise<InstanceRecord> {
  const instance = await instanceGetByUuid(deps.db, ctx, uuid);
  deps.policy.enforce(ctx, 'compute:get', instanceTarget(instance));
  return instance;
}

/**
 * Search options as the servers API passes them (already trimmed to what the caller may
 * use): `name`, `image`, `flavor`, `tenant_id`, `fixed_ip`, `ip`, `ip6`, `all_tenants`,
 * `changes-since` (a Date), `deleted`, `vm_state`/`task_state` (lists), and instance columns.
 */
export type SearchOptions = Record<string, FilterValue | undefined>;

/** A user's filter pattern on the linear-time matcher, so that no pattern can stall the process. */
function compileRegex(pattern: string, what: string): BoundedRegex {
  try {
    return new BoundedRegex(pattern);
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new InvalidInput(`Invalid ${what} filter: ${pattern} (${err.message})`);
    throw err;
  }
}

function addresses(nwInfo: NetworkInfo, version: 4 | 6): string[] {
  const out: string[] = [];
  for (const vif of nwInfo) {
    for (const subnet of vif.network?.subnets ?? []) {
      for (const ip of subnet.ips) {
        if (ip.version === version) out.push(ip.address);
        for (const f of ip.floating_ips) if (f.version === version) out.push(f.address);
      }
    }
  }
  return out;
}

/** Uuids of instances with an address (fixed or floating) of that version matching the regex. */
async function uuidsByAddress(deps: ComputeApiDeps, projectId: string | null, regex: BoundedRegex, version: 4 | 6): Promise<string[]> {
  const caches = await instanceInfoCachesByProject(deps.db, projectId);
  const out: string[] = [];
  for (const c of caches) {
    let nw: NetworkInfo;
    try {
      nw = hydrateNetworkInfo(c.network_info ?? '[]');
    } catch {
      continue;
    }
    if (addresses(nw, version).some((a) => regex.test(a))) out.push(c.instance_uuid);
  }
  return out;
}

export async function getAllInstances(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  searchOpts: SearchOptions,
  options: ListOptions = {},
): Promise<InstanceRecord[]> {
  const target = { project_id: ctx.projectId, user_id: ctx.userId };
  deps.policy.enforce(ctx, 'compute:get_all', target);
  if ('all_tenants' in searchOpts) deps.policy.enforce(ctx, 'compute:get_all_tenants', target);

  const filters: Record<string, FilterValue | undefined> = {};
  let ipRegex: BoundedRegex | null = null;
  let ip6Regex: BoundedRegex | null = null;
  for (const [key, value] of Object.entries(searchOpts)) {
    if (value === undefined) continue;
    switch (key) {
      case 'all_tenants':
        break;
      case 'image':
        filters.image_ref = value;
        break;
      case 'name':
        compileRegex(String(value), 'name');
        filters.display_name = value;
        break;
      case 'tenant_id':
        filters.project_id = value;
        break;
      case 'flavor': {
        // Deleted flavors still name the instances created with them; unknown → FlavorNotFound.
        const flavor = await deps.flavors.getByFlavorId(ctx, String(value), { readDeleted: 'yes' });
        filters.instance_type_id = flavor.id;
        break;
      }
      case 'fixed_ip':
        ipRegex = compileRegex(`^${String(value).replace(/\./g, '\\.')}$`, 'fixed_ip');
        break;
      case 'ip':
        ipRegex = compileRegex(String(value), 'ip');
        break;
      case 'ip6':
        ip6Regex = compileRegex(String(value), 'ip6');
        break;
      default:
        filters[key] = value;
    }
  }

  if (ipRegex || ip6Regex) {
    const scope = ctx.isAdmin && 'all_tenants' in searchOpts ? null : (ctx.projectId ?? null);
    let uuids: string[] | null = null;
    if (ipRegex) uuids = await uuidsByAddress(deps, scope, ipRegex, 4);
    if (ip6Regex) {
      const v6 = await uuidsByAddress(deps, scope, ip6Regex, 6);
      uuids = uuids === null ? v6 : uuids.filter((u) => v6.includes(u));
    }
    const existing = filters.uuid;
    if (existing !== undefined) {
      const wanted = new Set(Array.isArray(existing) ? (existing as string[]) : [String(existing)]);
      uuids = (uuids ?? []).filter((u) => wanted.has(u));
    }
    filters.uuid = uuids ?? [];
  }
  return instanceGetAllByFilters(deps.db, ctx, filters, options);
}
