/**
 * `/flavors`: list, detail and show, with the attribute extensions (OS-FLV-EXT-DATA,
 * OS-FLV-DISABLED, os-flavor-access, os-flavor-rxtx, os-flavor-swap) in flavor bodies.
 */
import { InvalidInput } from '../../../common/errors.js';
import { FLAVOR_SORT_KEYS, type FlavorFilters, type FlavorRecord, type FlavorSortKey } from '../../../compute/flavors.js';
import { apiOpts } from '../../../config/api-opts.js';
import { buildLinks, collectionLinks, getLimitAndMarker, queryParam } from '../common.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';

/** The attribute extensions a caller may see, decided once per request. */
interface FlavorExtensions {
  extraData: boolean;
  disabled: boolean;
  access: boolean;
  rxtx: boolean;
  swap: boolean;
}

function extensionsFor(req: ComputeRequest): FlavorExtensions {
  return {
    extraData: req.allowed('compute_extension:flavorextradata'),
    disabled: req.allowed('compute_extension:flavor_disabled'),
    access: req.allowed('compute_extension:flavor_access'),
    rxtx: req.allowed('compute_extension:flavor_rxtx'),
    swap: req.allowed('compute_extension:flavor_swap'),
  };
}

/** `{id, name, links}`: a flavor in a plain list. */
export function flavorBriefView(req: ComputeRequest, flavor: FlavorRecord): Record<string, unknown> {
  const id = flavor.flavorid ?? String(flavor.id);
  return { id, name: flavor.name, links: buildLinks(req, 'flavors', id) };
}

/** A flavor as detail, show and create return it at microversion 2.1. */
export function flavorDetailView(
  req: ComputeRequest,
  flavor: FlavorRecord,
  ext: FlavorExtensions = extensionsFor(req),
): Record<string, unknown> {
  const id = flavor.flavorid ?? String(flavor.id);
  const view: Record<string, unknown> = {
    id,
    name: flavor.name,
    ram: flavor.memory_mb,
    disk: flavor.root_gb ?? 0,
    vcpus: flavor.vcpus,
    links: buildLinks(req, 'flavors', id),
  };
  // Tempest's 2.1 schema requires `swap`, and until 2.75 a zero swap is the empty string.
  view.swap = ext.swap && flavor.swap ? flavor.swap : '';
  if (ext.rxtx) view.rxtx_factor = flavor.rxtx_factor ?? 1;
  if (ext.extraData) view['OS-FLV-EXT-DATA:ephemeral'] = flavor.ephemeral_gb ?? 0;
  if (ext.disabled) view['OS-FLV-DISABLED:disabled'] = flavor.disabled === true;
  if (ext.access) view['os-flavor-access:is_public'] = flavor.is_public !== false;
  return view;
}

const TRUE_STRINGS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE_STRINGS = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

/** `is_public` as admins may give it: a boolean string, or `none` for every flavor. */
function parseIsPublic(value: string | undefined): boolean | null {
  if (value === undefined) return true;
  const v = value.trim().toLowerCase();
  if (v === 'none') return null;
  if (TRUE_STRINGS.has(v)) return true;
  if (FALSE_STRINGS.has(v)) return false;
  throw new InvalidInput(`Invalid is_public filter [${value}]`);
}

function parseMin(req: ComputeRequest, name: 'minRam' | 'minDisk'): number | undefined {
  const raw = queryParam(req.query, name);
  if (raw === undefined) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new InvalidInput(`Invalid ${name} filter [${raw}]`);
  return Number.parseInt(raw, 10);
}

function parseSort(req: ComputeRequest): { sortKey: FlavorSortKey; sortDir: 'asc' | 'desc' } {
  const key = queryParam(req.query, 'sort_key') ?? 'flavorid';
  const dir = queryParam(req.query, 'sort_dir') ?? 'asc';
  if (!(FLAVOR_SORT_KEYS as readonly string[]).includes(key)) throw new InvalidInput(`Invalid sort_key: ${key}`);
  if (dir !== 'asc' && dir !== 'desc') throw new InvalidInput(`Invalid sort_dir: ${dir}`);
  return { sortKey: key as FlavorSortKey, sortDir: dir };
}

export function flavorsResource(services: ComputeApiServices): ResourceModule {
  const maxLimit = (): number => services.conf.get(apiOpts).osapi_max_limit ?? 1000;

  async function list(req: ComputeRequest): Promise<FlavorRecord[]> {
    const filters: FlavorFilters = {};
    const minRam = parseMin(req, 'minRam');
    const minDisk = parseMin(req, 'minDisk');
    if (minRam !== undefined) filters.minMemoryMb = minRam;
    if (minDisk !== undefined) filters.minRootGb = minDisk;
    // Only admins choose which flavors by visibility; the DB layer pins everyone else to public + shared.
    if (req.ctx.isAdmin) filters.isPublic = parseIsPublic(queryParam(req.query, 'is_public'));
    const { limit, marker } = getLimitAndMarker(req.query, maxLimit());
    return services.flavors.getAll(req.ctx, { filters, ...parseSort(req), limit, marker });
  }

  function page(req: ComputeRequest, views: Record<string, unknown>[]): Record<string, unknown> {
    const links = collectionLinks(req, views, 'flavors', maxLimit(), 'id');
    return links.length ? { flavors: views, flavors_links: links } : { flavors: views };
  }

  return defineResource('flavors', (r) => {
    r.route({
      method: 'GET',
      path: '/flavors',
      handler: async (req) =>
        page(
          req,
          (await list(req)).map((f) => flavorBriefView(req, f)),
        ),
    });
    r.route({
      method: 'GET',
      path: '/flavors/detail',
      handler: async (req) => {
        const ext = extensionsFor(req);
        return page(
          req,
          (await list(req)).map((f) => flavorDetailView(req, f, ext)),
        );
      },
    });
    r.route({
      method: 'GET',
      path: '/flavors/:flavor_id',
      // Deleted flavors stay visible by id: servers built from them still point at them.
      handler: async (req) => ({
        flavor: flavorDetailView(req, await services.flavors.get(req.ctx, req.params.flavor_id as string, 'yes')),
      }),
    });
  });
}
