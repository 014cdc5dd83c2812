/**
 * Nova's image service interface: a Glance v2 client that speaks to the embedded image
 * service or to a real Glance, always with the caller's own token, and hands the rest
 * of Nova images in the shape Nova's internals have always used (Grizzly's image dict:
 * core attributes plus a `properties` object, `is_public` instead of visibility).
 */
import { Readable } from 'node:stream';
import { Conflict, ImageNotFound, Invalid, NovaError, RequestTooLarge } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import { ImageNotAuthorized, ImageServiceUnavailable } from './errors.js';
import { glanceOpts } from './opts.js';
import { PATCH_MEDIA_TYPES } from './patch.js';

const log = getLogger('nova.image.glance');

/** An image as Nova's compute code sees it. */
export interface NovaImage {
  id: string;
  name: string | null;
  status: string;
  size: number | null;
  checksum: string | null;
  min_ram: number;
  min_disk: number;
  disk_format: string | null;
  container_format: string | null;
  is_public: boolean;
  owner: string | null;
  created_at: Date | null;
  updated_at: Date | null;
  deleted_at: Date | null;
  deleted: boolean;
  /** Every attribute that is not core: Glance's custom properties, as strings. */
  properties: Record<string, string>;
}

/**
 * Filters of `detail`, in Nova's vocabulary: `name`, `status`, `is_public`,
 * `property-<key>`, `changes-since`, `min_ram`, `min_disk`, plus any Glance v2 filter
 * (`visibility`, `tag`, ...) passed through; `limit`, `marker`, `sort_key`, `sort_dir` page.
 */
export type ImageFilters = Record<string, string | number | boolean | undefined>;

/** What create/update may set; `properties` become Glance custom properties. */
export interface ImageMetaChanges {
  id?: string;
  name?: string | null;
  min_ram?: number;
  min_disk?: number;
  disk_format?: string | null;
  container_format?: string | null;
  is_public?: boolean;
  visibility?: string;
  protected?: boolean;
  properties?: Record<string, string | number | boolean | null>;
}

export interface ImageService {
  show(ctx: RequestContext, imageId: string): Promise<NovaImage>;
  detail(ctx: RequestContext, filters?: ImageFilters): Promise<NovaImage[]>;
  create(ctx: RequestContext, meta: ImageMetaChanges, data?: Readable): Promise<NovaImage>;
  /** `purgeProps` (Nova's default) removes properties absent from `meta.properties`. */
  update(
    ctx: RequestContext,
    imageId: string,
    meta: ImageMetaChanges,
    options?: { purgeProps?: boolean; data?: Readable },
  ): Promise<NovaImage>;
  delete(ctx: RequestContext, imageId: string): Promise<void>;
  download(ctx: RequestContext, imageId: string): Promise<Readable>;
}

const CORE_KEYS = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'os_hidden',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'owner',
  'size',
  'virtual_size',
  'min_ram',
  'min_disk',
  'disk_format',
  'container_format',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
  'direct_url',
  'locations',
]);

function parseTime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Glance v2 image → Nova's image dict. */
export function toNovaImage(raw: Record<string, unknown>): NovaImage {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!CORE_KEYS.has(k) && v !== null && v !== undefined) properties[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return {
    id: String(raw.id),
    name: typeof raw.name === 'string' ? raw.name : null,
    status: typeof raw.status === 'string' ? raw.status : 'unknown',
    size: num(raw.size),
    checksum: typeof raw.checksum === 'string' ? raw.checksum : null,
    min_ram: num(raw.min_ram) ?? 0,
    min_disk: num(raw.min_disk) ?? 0,
    disk_format: typeof raw.disk_format === 'string' ? raw.disk_format : null,
    container_format: typeof raw.container_format === 'string' ? raw.container_format : null,
    is_public: raw.visibility === 'public',
    owner: typeof raw.owner === 'string' ? raw.owner : null,
    created_at: parseTime(raw.created_at),
    updated_at: parseTime(raw.updated_at),
    deleted_at: null,
    deleted: raw.status === 'deleted',
    properties,
  };
}

/** `host:port`, `http://host:port` and `http://host:port/v2/` all name the same endpoint. */
export function normaliseApiServer(server: string): string {
  let url = server.trim();
  if (!/^https?:\/\//i.test(url)) url = `http://${url}`;
  return url
    .replace(/\/+$/, '')
    .replace(/\/v2(\.\d+)?$/, '')
    .replace(/\/+$/, '');
}

function propertyValue(v: string | number | boolean | null): string | null {
  return v === null ? null : String(v);
}

/** Create body in Glance v2 terms. */
function createBody(meta: ImageMetaChanges): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of ['id', 'name', 'min_ram', 'min_disk', 'disk_format', 'container_format', 'protected', 'visibility'] as const) {
    if (meta[key] !== undefined) body[key] = meta[key];
  }
  if (meta.is_public !== undefined && meta.visibility === undefined) body.visibility = meta.is_public ? 'public' : 'private';
  for (const [k, v] of Object.entries(meta.properties ?? {})) {
    const value = propertyValue(v);
    if (value !== null) body[k] = value;
  }
  return body;
}

function escapePointer(name: string): string {
  return `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** The JSON patch turning `current` (raw Glance image) into what `meta` asks for. */
export function patchFor(current: Record<string, unknown>, meta: ImageMetaChanges, purgeProps: boolean): unknown[] {
  const ops: unknown[] = [];
  const wanted = createBody({ ...meta, properties: {} });
  delete wanted.id;
  for (const [k, v] of Object.entries(wanted)) {
    if (current[k] !== v) ops.push({ op: 'replace', path: escapePointer(k), value: v });
  }
  if (meta.properties !== undefined) {
    const desired: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(meta.properties)) desired[k] = propertyValue(v);
    for (const [k, v] of Object.entries(desired)) {
      if (CORE_KEYS.has(k)) continue;
      const has = Object.hasOwn(current, k);
      if (v === null) {
        if (has) ops.push({ op: 'remove', path: escapePointer(k) });
      } else if (current[k] !== v) {
        ops.push({ op: has ? 'replace' : 'add', path: escapePointer(k), value: v });
      }
    }
    if (purgeProps) {
      for (const k of Object.keys(current)) {
        if (!CORE_KEYS.has(k) && !Object.hasOwn(desired, k)) ops.push({ op: 'remove', path: escapePointer(k) });
      }
    }
  }
  return ops;
}

export interface GlanceClientOptions {
  /** Endpoints tried in turn (`[glance] api_servers`). */
  apiServers: readonly string[];
  /** Extra attempts after a connection failure or a 5xx. */
  numRetries?: number;
  /** Milliseconds to wait for response headers. */
  timeoutMs?: number;
}

interface CallOptions {
  body?: unknown;
  contentType?: string;
  stream?: Readable;
  /** Which image the call is about, for the error a 404 becomes. */
  imageId?: string;
}

/** Nova's ImageService over Glance v2 HTTP. */
export class GlanceImageService implements ImageService {
  readonly #servers: string[];
  readonly #retries: number;
  readonly #timeoutMs: number;
  #next: number;

  constructor(options: GlanceClientOptions) {
    if (options.apiServers.length === 0) throw new Error('GlanceImageService needs at least one image service endpoint');
    this.#servers = options.apiServers.map(normaliseApiServer);
    this.#retries = options.numRetries ?? 0;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#next = Math.floor(Math.random() * this.#servers.length);
  }

  /** From `[glance]`; `embeddedUrl` (nova-all's own image service) is used when api_servers is empty. */
  static fromConfig(conf: Config, embeddedUrl?: string): GlanceImageService {
    const o = conf.get(glanceOpts);
    const servers = o.api_servers.length ? o.api_servers : embeddedUrl ? [embeddedUrl] : [];
    if (servers.length === 0) throw new Error('No image service configured: set [glance] api_servers.');
    return new GlanceImageService({ apiServers: servers, numRetries: o.num_retries ?? 0, timeoutMs: (o.timeout ?? 60) * 1000 });
  }

  async #call(ctx: RequestContext, method: string, path: string, options: CallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (ctx.authToken) headers['x-auth-token'] = ctx.authToken;
    if (ctx.requestId) headers['x-openstack-request-id'] = ctx.requestId;
    let body: RequestInit['body'];
    if (options.stream) {
      headers['content-type'] = 'application/octet-stream';
      body = Readable.toWeb(options.stream) as unknown as RequestInit['body'];
    } else if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      body = JSON.stringify(options.body);
    }
    // A streamed body cannot be sent twice, so uploads get one attempt.
    const attempts = options.stream ? 1 : this.#retries + 1;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const base = this.#servers[this.#next % this.#servers.length] as string;
      this.#next = (this.#next + 1) % this.#servers.length;
      const url = `${base}${path}`;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
      try {
        const response = await fetch(url, {
          method,
          headers,
          signal: controller.signal,
          ...(body === undefined ? {} : { body, duplex: 'half' }),
        } as RequestInit);
        clearTimeout(timer);
        if (response.status >= 500 && attempt < attempts) {
          await response.body?.cancel();
          lastError = new ImageServiceUnavailable(`Image service at ${base} answered ${response.status}`);
          continue;
        }
        if (response.status >= 400) throw await this.#translate(response, options.imageId);
        return response;
      } catch (err) {
        clearTimeout(timer);
        if (err instanceof NovaError) throw err;
        lastError = err;
        log.warn({ url, attempt, err: (err as Error).message }, 'image service not reachable');
      }
    }
    if (lastError instanceof NovaError) throw lastError;
    throw new ImageServiceUnavailable(`Connection to the image service failed: ${(lastError as Error)?.message ?? 'unknown error'}`, {
      cause: lastError,
    });
  }

  async #translate(response: Response, imageId: string | undefined): Promise<NovaError> {
    const text = await response.text().catch(() => '');
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string }; message?: string };
      message = parsed.error?.message ?? parsed.message ?? text;
    } catch {
      // Glance answers many errors as text/html; the text is the message.
    }
    const detail = message.trim() || `HTTP ${response.status}`;
    switch (response.status) {
      case 400:
        return new Invalid(detail);
      case 401:
      case 403:
        return new ImageNotAuthorized(detail);
      case 404:
        return new ImageNotFound(imageId ? `Image ${imageId} could not be found.` : detail, { kwargs: { image_id: imageId } });
      case 409:
        return new Conflict(detail);
      case 413:
        return new RequestTooLarge(detail);
      default:
        return new ImageServiceUnavailable(`Image service error ${response.status}: ${detail}`);
    }
  }

  async #raw(ctx: RequestContext, imageId: string): Promise<Record<string, unknown>> {
    const response = await this.#call(ctx, 'GET', `/v2/images/${encodeURIComponent(imageId)}`, { imageId });
    return (await response.json()) as Record<string, unknown>;
  }

  async show(ctx: RequestContext, imageId: string): Promise<NovaImage> {
    return toNovaImage(await this.#raw(ctx, imageId));
  }

  async detail(ctx: RequestContext, filters: ImageFilters = {}): Promise<NovaImage[]> {
    const query = new URLSearchParams();
    const local: { minRam?: number; minDisk?: number; changesSince?: Date } = {};
    for (const [key, value] of Object.entries(filters)) {
      if (value === undefined) continue;
      const text = String(value);
      if (key === 'is_public') query.set('visibility', value === true || text === 'true' ? 'public' : 'private');
      else if (key.startsWith('property-')) query.set(key.slice('property-'.length), text);
      else if (key === 'min_ram' || key === 'minRam') local.minRam = Number(text);
      else if (key === 'min_disk' || key === 'minDisk') local.minDisk = Number(text);
      else if (key === 'changes-since' || key === 'changes_since') local.changesSince = new Date(text);
      else query.set(key, text);
    }
    const singlePage = query.has('limit');
    const images: NovaImage[] = [];
    let path: string | null = `/v2/images${query.size ? `?${query.toString()}` : ''}`;
    while (path !== null) {
      const response = await this.#call(ctx, 'GET', path);
      const page = (await response.json()) as { images?: Record<string, unknown>[]; next?: string };
      images.push(...(page.images ?? []).map(toNovaImage));
      path = !singlePage && typeof page.next === 'string' && (page.images ?? []).length > 0 ? page.next : null;
    }
    return images.filter(
      (i) =>
        (local.minRam === undefined || i.min_ram >= local.minRam) &&
        (local.minDisk === undefined || i.min_disk >= local.minDisk) &&
        (local.changesSince === undefined || (i.updated_at !== null && i.updated_at >= local.changesSince)),
    );
  }

  async create(ctx: RequestContext, meta: ImageMetaChanges, data?: Readable): Promise<NovaImage> {
    const response = await this.#call(ctx, 'POST', '/v2/images', { body: createBody(meta) });
    const created = (await response.json()) as Record<string, unknown>;
    if (!data) return toNovaImage(created);
    const id = String(created.id);
    await this.#call(ctx, 'PUT', `/v2/images/${encodeURIComponent(id)}/file`, { stream: data, imageId: id });
    return this.show(ctx, id);
  }

  async update(
    ctx: RequestContext,
    imageId: string,
    meta: ImageMetaChanges,
    options: { purgeProps?: boolean; data?: Readable } = {},
  ): Promise<NovaImage> {
    const current = await this.#raw(ctx, imageId);
    const ops = patchFor(current, meta, options.purgeProps ?? true);
    let result = current;
    if (ops.length > 0) {
      const response = await this.#call(ctx, 'PATCH', `/v2/images/${encodeURIComponent(imageId)}`, {
        body: ops,
        contentType: PATCH_MEDIA_TYPES[0],
        imageId,
      });
      result = (await response.json()) as Record<string, unknown>;
    }
    if (options.data) {
      await this.#call(ctx, 'PUT', `/v2/images/${encodeURIComponent(imageId)}/file`, { stream: options.data, imageId });
      return this.show(ctx, imageId);
    }
    return toNovaImage(result);
  }

  async delete(ctx: RequestContext, imageId: string): Promise<void> {
    await this.#call(ctx, 'DELETE', `/v2/images/${encodeURIComponent(imageId)}`, { imageId });
  }

  /** The image's data as a stream; an image without data yields an empty stream. */
  async download(ctx: RequestContext, imageId: string): Promise<Readable> {
    const response = await this.#call(ctx, 'GET', `/v2/images/${encodeURIComponent(imageId)}/file`, { imageId });
    if (response.status === 204 || response.body === null) return Readable.from([]);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
}
