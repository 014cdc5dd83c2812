/**
 * The image service's rules, independent of HTTP: who sees and changes which image,
 * the status machine (queued → saving → active | killed; active ⇄ deactivated), and the
 * coupling of rows in the database with data in the store.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { getLogger } from '../common/log.js';
import type { RequestContext } from '../context/context.js';
import { DBDuplicateEntry } from '../db/errors.js';
import type { ImageCore, ImageListQuery, ImageRecord, ImageStore, MemberRecord } from '../db/image/store.js';
import {
  ImageBadRequest,
  ImageConflict,
  ImageForbidden,
  ImageGone,
  ImageMemberNotFound,
  ImageSizeLimitExceeded,
  ImageUnknown,
} from './errors.js';
import type { FilesystemStore, StoredData } from './filesystem-store.js';
import type { PatchOp } from './patch.js';
import { CORE_ATTRIBUTES, imageSchemaProblem, MEMBER_STATUSES, READ_ONLY_ATTRIBUTES, RESERVED_ATTRIBUTES } from './schemas.js';
import { writableView } from './views.js';

const log = getLogger('nova.image.service');

export const SORT_KEYS = [
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
  'visibility',
  'owner',
  'min_ram',
  'min_disk',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

export interface ListRequest {
  filters: Omit<ImageListQuery, 'viewer'>;
  sort: [SortKey, SortDir][];
  limit: number;
  marker: string | null;
}

export interface ListResult {
  images: ImageRecord[];
  /** Id to continue after when the page is full. */
  nextMarker: string | null;
}

export interface ImageData {
  stream: Readable;
  size: number;
  checksum: string | null;
}

/** Attributes a PATCH or create may set as core columns. */
type WritableCore = Pick<
  ImageCore,
  'name' | 'visibility' | 'protected' | 'os_hidden' | 'owner' | 'min_ram' | 'min_disk' | 'disk_format' | 'container_format'
>;
const WRITABLE_CORE: readonly (keyof WritableCore)[] = [
  'name',
  'visibility',
  'protected',
  'os_hidden',
  'owner',
  'min_ram',
  'min_disk',
  'disk_format',
  'container_format',
];

function refuseProtectedAttribute(name: string): void {
  if (READ_ONLY_ATTRIBUTES.has(name)) throw new ImageForbidden(`Attribute '${name}' is read-only.`);
  if (RESERVED_ATTRIBUTES.has(name)) throw new ImageForbidden(`Attribute '${name}' is reserved.`);
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export interface ImageServiceDeps {
  store: ImageStore;
  files: FilesystemStore;
  imageSizeCap: number;
}

export class ImageManager {
  readonly #db: ImageStore;
  readonly #files: FilesystemStore;
  readonly #sizeCap: number;

  constructor(deps: ImageServiceDeps) {
    this.#db = deps.store;
    this.#files = deps.files;
    this.#sizeCap = deps.imageSizeCap;
  }

  get imageSizeCap(): number {
    return this.#sizeCap;
  }

  // ---- visibility and ownership ------------------------------------------------

  async #membership(image: ImageRecord, ctx: RequestContext): Promise<MemberRecord | null> {
    if (image.visibility !== 'shared' || ctx.projectId === null) return null;
    return this.#db.getMember(image.id, ctx.projectId);
  }

  async #canSee(ctx: RequestContext, image: ImageRecord): Promise<boolean> {
    if (ctx.isAdmin || image.owner === null) return true;
    if (image.visibility === 'public' || image.visibility === 'community') return true;
    if (ctx.projectId !== null && image.owner === ctx.projectId) return true;
    return (await this.#membership(image, ctx)) !== null;
  }

  #owns(ctx: RequestContext, image: ImageRecord): boolean {
    return ctx.isAdmin || (ctx.projectId !== null && image.owner === ctx.projectId);
  }

  /** The image if the caller may see it; 404 otherwise, so that hidden images stay unknown. */
  async get(ctx: RequestContext, id: string): Promise<ImageRecord> {
    const image = await this.#db.get(id);
    if (!image || !(await this.#canSee(ctx, image))) throw new ImageUnknown(id);
    return image;
  }

  async #getOwned(ctx: RequestContext, id: string, action = 'modify'): Promise<ImageRecord> {
    const image = await this.get(ctx, id);
    if (!this.#owns(ctx, image)) throw new ImageForbidden(`You are not permitted to ${action} image ${id}.`);
    return image;
  }

  #checkVisibilityChange(ctx: RequestContext, visibility: unknown): void {
    if (visibility === 'public' && !ctx.isAdmin) {
      throw new ImageForbidden('You are not authorized to complete publicize_image action.');
    }
  }

  // ---- images ------------------------------------------------------------------

  async create(ctx: RequestContext, body: unknown): Promise<ImageRecord> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ImageBadRequest('Body expected in request.');
    const given = body as Record<string, unknown>;
    for (const name of Object.keys(given)) refuseProtectedAttribute(name);
    const owner = 'owner' in given ? given.owner : ctx.projectId;
    if (!ctx.isAdmin && owner !== ctx.projectId) {
      throw new ImageForbidden(`You are not permitted to create images owned by '${String(owner)}'.`);
    }
    this.#checkVisibilityChange(ctx, given.visibility);
    const now = new Date();
    const properties: Record<string, string> = {};
    const custom: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(given)) if (!CORE_ATTRIBUTES.has(name)) custom[name] = value;
    const draft: ImageRecord = {
      id: typeof given.id === 'string' ? given.id : randomUUID(),
      name: (given.name as string | null | undefined) ?? null,
      status: 'queued',
      visibility: (given.visibility as string | undefined) ?? 'shared',
      protected: (given.protected as boolean | undefined) ?? false,
      os_hidden: (given.os_hidden as boolean | undefined) ?? false,
      owner: (owner as string | null | undefined) ?? null,
      size: null,
      virtual_size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      min_disk: (given.min_disk as number | undefined) ?? 0,
      min_ram: (given.min_ram as number | undefined) ?? 0,
      disk_format: (given.disk_format as string | null | undefined) ?? null,
      container_format: (given.container_format as string | null | undefined) ?? null,
      location: null,
      created_at: now,
      updated_at: now,
      tags: (given.tags as string[] | undefined) ?? [],
      properties,
    };
    const problem = imageSchemaProblem({ ...writableView(draft), ...custom, ...pickCore(given) });
    if (problem) throw new ImageBadRequest(problem);
    Object.assign(properties, custom as Record<string, string>);
    try {
      await this.#db.create(draft);
    } catch (err) {
      if (err instanceof DBDuplicateEntry) throw new ImageConflict(`Image with identifier ${draft.id} already exists!`);
      throw err;
    }
    log.info({ image_id: draft.id, owner: draft.owner }, 'image created');
    return (await this.#db.get(draft.id)) ?? draft;
  }

  async list(ctx: RequestContext, request: ListRequest): Promise<ListResult> {
    const found = await this.#db.list({ ...request.filters, viewer: { projectId: ctx.projectId, isAdmin: ctx.isAdmin } });
    const keys: [SortKey, SortDir][] = request.sort.some(([k]) => k === 'id') ? request.sort : [...request.sort, ['id', 'asc']];
    found.sort((a, b) => {
      for (const [key, dir] of keys) {
        const c = compareValues(a[key], b[key]);
        if (c !== 0) return dir === 'asc' ? c : -c;
      }
      return 0;
    });
    let start = 0;
    if (request.marker !== null) {
      const at = found.findIndex((i) => i.id === request.marker);
      if (at < 0) throw new ImageBadRequest(`Invalid marker. Image ${request.marker} could not be found.`);
      start = at + 1;
    }
    const images = found.slice(start, start + request.limit);
    const full = images.length === request.limit && start + request.limit < found.length;
    return { images, nextMarker: full ? (images.at(-1)?.id ?? null) : null };
  }

  async update(ctx: RequestContext, id: string, ops: readonly PatchOp[]): Promise<ImageRecord> {
    const image = await this.#getOwned(ctx, id);
    const draft: ImageRecord = { ...image, tags: [...image.tags], properties: { ...image.properties } };
    const draftCore = draft as unknown as Record<string, unknown>;
    for (const op of ops) {
      const name = op.attribute;
      refuseProtectedAttribute(name);
      if (name === 'id') throw new ImageForbidden("Attribute 'id' is read-only.");
      if (CORE_ATTRIBUTES.has(name)) {
        if (op.op === 'remove') throw new ImageForbidden(`Attribute '${name}' is a base attribute and cannot be removed.`);
        if ((name === 'disk_format' || name === 'container_format') && image.status !== 'queued' && op.value !== image[name]) {
          throw new ImageForbidden(`Attribute ${name} can be only replaced for a queued image.`);
        }
        if (name === 'visibility') this.#checkVisibilityChange(ctx, op.value);
        if (name === 'owner' && !ctx.isAdmin && op.value !== image.owner) {
          throw new ImageForbidden('You are not permitted to change the owner of an image.');
        }
        draftCore[name] = op.value;
        continue;
      }
      const exists = Object.hasOwn(draft.properties, name);
      if (op.op === 'remove') {
        if (!exists) throw new ImageConflict(`Property ${name} does not exist.`);
        delete draft.properties[name];
      } else {
        if (op.op === 'replace' && !exists) throw new ImageConflict(`Property ${name} does not exist.`);
        (draft.properties as Record<string, unknown>)[name] = op.value;
      }
    }
    const problem = imageSchemaProblem(writableView(draft));
    if (problem) throw new ImageBadRequest(problem);

    const core: Partial<WritableCore> = {};
    for (const key of WRITABLE_CORE) if (draft[key] !== image[key]) (core as Record<string, unknown>)[key] = draft[key];
    const setProperties: Record<string, string> = {};
    for (const [k, v] of Object.entries(draft.properties)) if (image.properties[k] !== v) setProperties[k] = v;
    const removeProperties = Object.keys(image.properties).filter((k) => !Object.hasOwn(draft.properties, k));
    const tagsChanged = draft.tags.length !== image.tags.length || draft.tags.some((t) => !image.tags.includes(t));
    const updated = await this.#db.update(id, { core, setProperties, removeProperties, ...(tagsChanged ? { tags: draft.tags } : {}) });
    if (!updated) throw new ImageUnknown(id);
    return updated;
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.#getOwned(ctx, id, 'delete');
    if (image.protected) throw new ImageForbidden(`Image ${id} is protected and cannot be deleted.`);
    if (!(await this.#db.delete(id))) throw new ImageUnknown(id);
    if (image.location) await this.#files.remove(image.location);
    log.info({ image_id: id }, 'image deleted');
  }

  // ---- data --------------------------------------------------------------------

  /**
   * Streams data into a queued image. Any failure once the upload has begun (client gone,
   * cap passed, disk error) leaves the image `killed` and no data in the store.
   */
  async upload(ctx: RequestContext, id: string, data: Readable, declaredLength: number | null): Promise<ImageRecord> {
    const image = await this.#getOwned(ctx, id, 'upload data to');
    const saving = await this.#db.update(id, { core: { status: 'saving' }, expectStatus: ['queued'] });
    if (!saving) {
      const current = (await this.#db.get(id))?.status ?? 'deleted';
      throw new ImageConflict(`Image status transition from ${current} to saving is not allowed`);
    }
    let stored: StoredData;
    try {
      if (declaredLength !== null && declaredLength > this.#sizeCap) {
        throw new ImageSizeLimitExceeded(this.#sizeCap);
      }
      stored = await this.#files.write(image.id, data, this.#sizeCap);
    } catch (err) {
      await this.#db.update(id, { core: { status: 'killed' }, expectStatus: ['saving'] });
      log.warn({ image_id: id, err: (err as Error).message }, 'image upload failed; image killed');
      throw err;
    }
    const active = await this.#db.update(id, {
      core: {
        status: 'active',
        size: stored.size,
        checksum: stored.checksum,
        os_hash_algo: stored.hashAlgo,
        os_hash_value: stored.hashValue,
        location: stored.location,
      },
      expectStatus: ['saving'],
    });
    if (!active) {
      await this.#files.remove(stored.location);
      throw new ImageGone('Image was deleted while its data was being uploaded.');
    }
    log.info({ image_id: id, size: stored.size }, 'image data stored');
    return active;
  }

  /** The image's data, or null when it has none yet. */
  async download(ctx: RequestContext, id: string): Promise<ImageData | null> {
    const image = await this.get(ctx, id);
    if (image.status === 'deactivated' && !ctx.isAdmin) {
      throw new ImageForbidden('The requested image has been deactivated. Image data download is prohibited.');
    }
    if (image.location === null || (image.status !== 'active' && image.status !== 'deactivated')) return null;
    const opened = await this.#files.open(image.location);
    if (!opened) throw new ImageUnknown(id);
    return { stream: opened.stream, size: opened.size, checksum: image.checksum };
  }

  // ---- actions -----------------------------------------------------------------

  async deactivate(ctx: RequestContext, id: string): Promise<void> {
    await this.#switchActivation(ctx, id, 'active', 'deactivated', 'deactivate');
  }

  async reactivate(ctx: RequestContext, id: string): Promise<void> {
    await this.#switchActivation(ctx, id, 'deactivated', 'active', 'reactivate');
  }

  async #switchActivation(ctx: RequestContext, id: string, from: string, to: string, action: string): Promise<void> {
    const image = await this.get(ctx, id);
    if (!ctx.isAdmin) throw new ImageForbidden(`You are not authorized to complete ${action} action.`);
    if (image.status === to) return;
    if (image.status !== from) throw new ImageForbidden(`Not allowed to ${action} image in status '${image.status}'`);
    const done = await this.#db.update(id, { core: { status: to }, expectStatus: [from] });
    if (!done) throw new ImageConflict(`Image ${id} changed status while being ${to}.`);
  }

  // ---- tags --------------------------------------------------------------------

  async addTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    await this.#getOwned(ctx, id);
    if (tag.length > 255) throw new ImageBadRequest('Tag is too long: at most 255 characters.');
    await this.#db.addTag(id, tag);
  }

  async removeTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    await this.#getOwned(ctx, id);
    if (!(await this.#db.removeTag(id, tag))) throw new ImageUnknown(`${id} (tag ${tag})`);
  }

  // ---- members -----------------------------------------------------------------

  #requireShared(image: ImageRecord): void {
    if (image.visibility !== 'shared') {
      throw new ImageForbidden(`Only shared images have members; image ${image.id} is ${image.visibility}.`);
    }
  }

  async addMember(ctx: RequestContext, id: string, member: unknown): Promise<MemberRecord> {
    const image = await this.#getOwned(ctx, id, 'add members to');
    this.#requireShared(image);
    if (typeof member !== 'string' || member === '' || member.length > 255) throw new ImageBadRequest('Member to be added not specified');
    try {
      return await this.#db.addMember(id, member);
    } catch (err) {
      if (err instanceof DBDuplicateEntry) throw new ImageConflict(`Member ${member} already exists for image ${id}.`);
      throw err;
    }
  }

  /** The owner sees every member; a member sees only its own entry. */
  async listMembers(ctx: RequestContext, id: string): Promise<MemberRecord[]> {
    const image = await this.get(ctx, id);
    this.#requireShared(image);
    const all = await this.#db.listMembers(id);
    return this.#owns(ctx, image) ? all : all.filter((m) => m.member === ctx.projectId);
  }

  async getMember(ctx: RequestContext, id: string, member: string): Promise<MemberRecord> {
    const image = await this.get(ctx, id);
    const found = await this.#db.getMember(id, member);
    if (!found || !(this.#owns(ctx, image) || member === ctx.projectId)) throw new ImageMemberNotFound(id, member);
    return found;
  }

  /** Only the member itself accepts or rejects an image. */
  async updateMember(ctx: RequestContext, id: string, member: string, status: unknown): Promise<MemberRecord> {
    await this.getMember(ctx, id, member);
    if (!ctx.isAdmin && member !== ctx.projectId) {
      throw new ImageForbidden("You are not permitted to modify 'status' on this image member.");
    }
    if (typeof status !== 'string' || !(MEMBER_STATUSES as readonly string[]).includes(status)) {
      throw new ImageBadRequest(`Invalid status: ${String(status)}; expected one of ${MEMBER_STATUSES.join(', ')}.`);
    }
    const updated = await this.#db.updateMember(id, member, status);
    if (!updated) throw new ImageMemberNotFound(id, member);
    return updated;
  }

  async removeMember(ctx: RequestContext, id: string, member: string): Promise<void> {
    const image = await this.get(ctx, id);
    if (!this.#owns(ctx, image)) {
      if (member === ctx.projectId) throw new ImageForbidden(`You are not permitted to delete members of image ${id}.`);
      throw new ImageMemberNotFound(id, member);
    }
    if (!(await this.#db.deleteMember(id, member))) throw new ImageMemberNotFound(id, member);
  }
}

/** The core attributes as given, so the schema sees wrong types rather than defaults. */
function pickCore(given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) if (CORE_ATTRIBUTES.has(k)) out[k] = v;
  return out;
}
