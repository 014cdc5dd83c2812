/**
 * Flavor rules: what a valid flavor is, creating one (id generated when not given), the
 * five flavors a new cloud starts with, and FlavorAPI, through which the API layer reads
 * and changes flavors, their project access and their extra specs.
 */
import { randomUUID } from 'node:crypto';
import { InvalidInput } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { ReadDeleted, RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import {
  type FlavorAccess,
  FlavorExtraSpecsNotFound,
  type FlavorListOptions,
  type FlavorRecord,
  type FlavorValues,
  flavorAccessAdd,
  flavorAccessGetByFlavorId,
  flavorAccessRemove,
  flavorCreate,
  flavorDestroy,
  flavorExtraSpecsDelete,
  flavorExtraSpecsGet,
  flavorExtraSpecsUpdateOrCreate,
  flavorGetAll,
  flavorGetByFlavorId,
  flavorTableIsEmpty,
} from '../db/api/flavors.js';

export type { FlavorAccess, FlavorFilters, FlavorListOptions, FlavorRecord, FlavorSortKey } from '../db/api/flavors.js';
export { FLAVOR_SORT_KEYS } from '../db/api/flavors.js';

const log = getLogger('nova.compute.flavors');

/** The largest value an INTEGER column holds on every engine. */
export const MAX_DB_INT = 2147483647;
/** rxtx_factor is a FLOAT column; anything beyond a 32-bit float is refused. */
const MAX_FLOAT = 3.40282e38;

// Letters, digits, '_', '.', '-' and spaces (Nova's flavor name alphabet, Unicode-aware).
const NAME_CHARS = /^[\p{L}\p{N}_.\- ]+$/u;
const FLAVOR_ID_CHARS = /^[a-zA-Z0-9._ -]+$/;

/** The flavors of Grizzly's migration 133, created when a cloud first starts. */
export const DEFAULT_FLAVORS: readonly FlavorValues[] = [
  { name: 'm1.tiny', flavorid: '1', memory_mb: 512, vcpus: 1, root_gb: 0 },
  { name: 'm1.small', flavorid: '2', memory_mb: 2048, vcpus: 1, root_gb: 20 },
  { name: 'm1.medium', flavorid: '3', memory_mb: 4096, vcpus: 2, root_gb: 40 },
  { name: 'm1.large', flavorid: '4', memory_mb: 8192, vcpus: 4, root_gb: 80 },
  { name: 'm1.xlarge', flavorid: '5', memory_mb: 16384, vcpus: 8, root_gb: 160 },
].map((f) => ({ ...f, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true }));

/**
 * Creates the default flavors when the flavor table has never held a row, so an operator
 * who deleted them does not see them come back on the next start. Returns how many it made.
 */
export async function seedDefaultFlavors(db: Db): Promise<number> {
  if (!(await flavorTableIsEmpty(db))) return 0;
  for (const flavor of DEFAULT_FLAVORS) await flavorCreate(db, null, flavor);
  log.info({ count: DEFAULT_FLAVORS.length }, 'created the default flavors');
  return DEFAULT_FLAVORS.length;
}

/** What a caller asks for; numbers may arrive as numeric strings, as the API allows. */
export interface FlavorCreateRequest {
  name: string;
  memoryMb: number | string;
  vcpus: number | string;
  rootGb: number | string;
  ephemeralGb?: number | string | null;
  swap?: number | string | null;
  rxtxFactor?: number | string | null;
  isPublic?: boolean;
  /** null, undefined or 'auto' → a new UUID. */
  flavorId?: string | number | null;
}

function invalid(reason: string): InvalidInput {
  return new InvalidInput(`Invalid input received: ${reason}`, { kwargs: { reason } });
}

/** An integer in [min, max] from a number or a string of digits; InvalidInput otherwise. */
export function validateInteger(value: number | string, name: string, min: number, max = MAX_DB_INT): number {
  const n = typeof value === 'number' ? value : /^\s*[+-]?\d+\s*$/.test(value) ? Number.parseInt(value, 10) : Number.NaN;
  if (!Number.isInteger(n)) throw invalid(`${name} must be an integer`);
  if (n < min) throw invalid(`${name} must be >= ${min}`);
  if (n > max) throw invalid(`${name} must be <= ${max}`);
  return n;
}

function validateName(name: string): string {
  if (name.length < 1 || name.length > 255) throw invalid('name must be between 1 and 255 characters long');
  if (name.trim() !== name) throw invalid('name has leading or trailing whitespace');
  if (!NAME_CHARS.test(name)) throw invalid('names can only contain [a-zA-Z0-9_.- ]');
  return name;
}

function validateFlavorId(id: string | number | null | undefined): string {
  if (id === null || id === undefined || id === 'auto') return randomUUID();
  const text = String(id);
  if (text.length < 1 || text.length > 255) throw invalid('id must be between 1 and 255 characters long');
  if (text.trim() !== text || !FLAVOR_ID_CHARS.test(text)) {
    throw invalid('flavor id can only contain [a-zA-Z0-9_.- ] and may not start or end with a space');
  }
  // Clients resolve dot segments in URLs, so /flavors/.. would never reach such a flavor.
  if (text === '.' || text === '..') throw invalid("flavor id may not be '.' or '..'");
  return text;
}

function validateRxtx(value: number | string | null | undefined): number {
  if (value === null || value === undefined) return 1;
  const n = typeof value === 'number' ? value : /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_FLOAT) throw invalid(`rxtx_factor must be a number greater than 0 and at most ${MAX_FLOAT}`);
  return n;
}

/** Turns a request into validated flavor values (no database access). */
export function flavorValuesFrom(request: FlavorCreateRequest): FlavorValues {
  return {
    name: validateName(request.name),
    flavorid: validateFlavorId(request.flavorId),
    memory_mb: validateInteger(request.memoryMb, 'memory_mb', 1),
    vcpus: validateInteger(request.vcpus, 'vcpus', 1),
    root_gb: validateInteger(request.rootGb, 'root_gb', 0),
    ephemeral_gb:
      request.ephemeralGb === null || request.ephemeralGb === undefined ? 0 : validateInteger(request.ephemeralGb, 'ephemeral_gb', 0),
    swap: request.swap === null || request.swap === undefined ? 0 : validateInteger(request.swap, 'swap', 0),
    rxtx_factor: validateRxtx(request.rxtxFactor),
    is_public: request.isPublic ?? true,
  };
}

/** Creates a flavor; InvalidInput for bad values, FlavorExists / FlavorIdExists on clashes. */
export async function createFlavor(db: Db, ctx: RequestContext, request: FlavorCreateRequest): Promise<FlavorRecord> {
  return flavorCreate(db, ctx, flavorValuesFrom(request));
}

/**
 * Flavors as the API layer sees them. A null context reads without the caller's
 * project scoping (private flavors included), as the access and extra-spec listings do.
 */
export class FlavorAPI {
  constructor(private readonly db: Db) {}

  getAll(ctx: RequestContext, options: FlavorListOptions): Promise<FlavorRecord[]> {
    return flavorGetAll(this.db, ctx, options);
  }

  /** FlavorNotFound when the flavor does not exist or the caller may not see it. */
  get(ctx: RequestContext | null, flavorId: string, readDeleted: ReadDeleted): Promise<FlavorRecord> {
    return flavorGetByFlavorId(this.db, ctx, flavorId, readDeleted);
  }

  create(ctx: RequestContext, request: FlavorCreateRequest): Promise<FlavorRecord> {
    return createFlavor(this.db, ctx, request);
  }

  /** Soft-deletes a live flavor the caller can see; FlavorNotFound otherwise. */
  async delete(ctx: RequestContext, flavorId: string): Promise<void> {
    const flavor = await flavorGetByFlavorId(this.db, ctx, flavorId, 'no');
    await flavorDestroy(this.db, ctx, flavor.flavorid as string);
  }

  getAccess(ctx: RequestContext | null, flavorId: string): Promise<FlavorAccess[]> {
    return flavorAccessGetByFlavorId(this.db, ctx, flavorId);
  }

  /** FlavorAccessExists when the project already has access. */
  addAccess(ctx: RequestContext, flavorId: string, projectId: string): Promise<void> {
    return flavorAccessAdd(this.db, ctx, flavorId, projectId);
  }

  /** FlavorAccessNotFound when the project had no access. */
  removeAccess(ctx: RequestContext, flavorId: string, projectId: string): Promise<void> {
    return flavorAccessRemove(this.db, ctx, flavorId, projectId);
  }

  getExtraSpecs(ctx: RequestContext | null, flavorId: string): Promise<Record<string, string>> {
    return flavorExtraSpecsGet(this.db, ctx, flavorId);
  }

  /** One extra spec's value; FlavorExtraSpecsNotFound when the flavor has no such key. */
  async getExtraSpec(ctx: RequestContext | null, flavorId: string, key: string): Promise<string> {
    const specs = await flavorExtraSpecsGet(this.db, ctx, flavorId);
    if (!Object.hasOwn(specs, key)) {
      throw new FlavorExtraSpecsNotFound(`Flavor ${flavorId} has no extra specs with key ${key}.`, {
        kwargs: { flavor_id: flavorId, extra_specs_key: key },
      });
    }
    return specs[key] as string;
  }

  updateExtraSpecs(ctx: RequestContext, flavorId: string, specs: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    return flavorExtraSpecsUpdateOrCreate(this.db, ctx, flavorId, specs);
  }

  /** FlavorExtraSpecsNotFound when the flavor has no such key. */
  deleteExtraSpec(ctx: RequestContext, flavorId: string, key: string): Promise<void> {
    return flavorExtraSpecsDelete(this.db, ctx, flavorId, key);
  }
}
