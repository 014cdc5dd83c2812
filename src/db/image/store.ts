/**
 * The only module that writes the image tables. Callers deal in ImageRecord: the core
 * columns under Glance's own names, plus tags and custom properties.
 */
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Database } from '../engine.js';
import { translateDuplicate } from '../errors.js';
import { migrate } from '../migrator.js';
import { IMAGE_REPOSITORY, imageMigrations } from './migrations.js';
import type { ImageSchema } from './schema.js';

export interface ImageCore {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  protected: boolean;
  os_hidden: boolean;
  owner: string | null;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  min_disk: number;
  min_ram: number;
  disk_format: string | null;
  container_format: string | null;
  location: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ImageRecord extends ImageCore {
  tags: string[];
  properties: Record<string, string>;
}

export interface MemberRecord {
  image_id: string;
  member: string;
  status: string;
  created_at: Date;
  updated_at: Date;
}

export interface Viewer {
  projectId: string | null;
  isAdmin: boolean;
}

export type VisibilityFilter = 'public' | 'private' | 'shared' | 'community' | 'all';
export type MemberStatusFilter = 'accepted' | 'pending' | 'rejected' | 'all';

/** What a list asks for; every field narrows the answer. */
export interface ImageListQuery {
  viewer: Viewer;
  visibility?: VisibilityFilter;
  memberStatus?: MemberStatusFilter;
  ids?: string[];
  name?: string;
  status?: string;
  owner?: string;
  disk_format?: string;
  container_format?: string;
  size_min?: number;
  size_max?: number;
  protected?: boolean;
  os_hidden?: boolean;
  tags?: string[];
  properties?: Record<string, string>;
}

export interface ImageChanges {
  core?: Partial<Omit<ImageCore, 'id' | 'created_at' | 'updated_at'>>;
  setProperties?: Record<string, string>;
  removeProperties?: string[];
  /** Replaces the whole tag set. */
  tags?: string[];
  /** The update only happens while the image is in one of these statuses. */
  expectStatus?: readonly string[];
}

type DB = ImageSchema;
type ImagesEB = ExpressionBuilder<DB, 'glance_images'>;

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function coreFromRow(row: Record<string, unknown>): ImageCore {
  return {
    id: String(row.id),
    name: (row.name as string | null) ?? null,
    status: String(row.status),
    visibility: String(row.visibility),
    protected: Boolean(row.protected),
    os_hidden: Boolean(row.os_hidden),
    owner: (row.owner as string | null) ?? null,
    size: num(row.size),
    virtual_size: num(row.virtual_size),
    checksum: (row.checksum as string | null) ?? null,
    os_hash_algo: (row.os_hash_algo as string | null) ?? null,
    os_hash_value: (row.os_hash_value as string | null) ?? null,
    min_disk: Number(row.min_disk ?? 0),
    min_ram: Number(row.min_ram ?? 0),
    disk_format: (row.disk_format as string | null) ?? null,
    container_format: (row.container_format as string | null) ?? null,
    location: (row.location as string | null) ?? null,
    created_at: row.created_at as Date,
    updated_at: row.updated_at as Date,
  };
}

/** Brings the image tables to the newest schema. */
export async function migrateImageSchema(db: Database<ImageSchema>): Promise<number> {
  return migrate(db, IMAGE_REPOSITORY, imageMigrations);
}

export class ImageStore {
  readonly #db: Kysely<DB>;

  constructor(db: Database<DB>) {
    this.#db = db.kysely;
  }

  async create(image: ImageRecord): Promise<void> {
    const { tags, properties, ...core } = image;
    await translateDuplicate('id', () =>
      this.#db.transaction().execute(async (trx) => {
        await trx.insertInto('glance_images').values(core).execute();
        for (const [name, value] of Object.entries(properties)) {
          await trx.insertInto('glance_image_properties').values({ image_id: image.id, name, value }).execute();
        }
        for (const value of new Set(tags)) {
          await trx.insertInto('glance_image_tags').values({ image_id: image.id, value }).execute();
        }
      }),
    );
  }

  async get(id: string): Promise<ImageRecord | null> {
    const row = await this.#db.selectFrom('glance_images').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const [full] = await this.#complete([coreFromRow(row)]);
    return full ?? null;
  }

  /** Every image matching the query that the viewer may see; unordered. */
  async list(query: ImageListQuery): Promise<ImageRecord[]> {
    let q = this.#db.selectFrom('glance_images').selectAll();
    q = q.where((eb) => this.#visibleTo(eb, query));
    if (query.ids) q = query.ids.length === 0 ? q.where((eb) => eb.lit(false)) : q.where('id', 'in', query.ids);
    if (query.name !== undefined) q = q.where('name', '=', query.name);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.owner !== undefined) q = q.where('owner', '=', query.owner);
    if (query.disk_format !== undefined) q = q.where('disk_format', '=', query.disk_format);
    if (query.container_format !== undefined) q = q.where('container_format', '=', query.container_format);
    if (query.size_min !== undefined) q = q.where('size', '>=', query.size_min);
    if (query.size_max !== undefined) q = q.where('size', '<=', query.size_max);
    if (query.protected !== undefined) q = q.where('protected', '=', query.protected);
    q = q.where('os_hidden', '=', query.os_hidden ?? false);
    for (const tag of new Set(query.tags ?? [])) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('glance_image_tags')
            .select('glance_image_tags.image_id')
            .whereRef('glance_image_tags.image_id', '=', 'glance_images.id')
            .where('glance_image_tags.value', '=', tag),
        ),
      );
    }
    for (const [name, value] of Object.entries(query.properties ?? {})) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('glance_image_properties')
            .select('glance_image_properties.image_id')
            .whereRef('glance_image_properties.image_id', '=', 'glance_images.id')
            .where('glance_image_properties.name', '=', name)
            .where('glance_image_properties.value', '=', value),
        ),
      );
    }
    const rows = await q.execute();
    return this.#complete(rows.map((r) => coreFromRow(r)));
  }

  /** Glance's listing rules: admins see everything; others see public images, their own, and shared ones offered to them. */
  #visibleTo(eb: ImagesEB, query: ImageListQuery): Expression<SqlBool> {
    const { viewer } = query;
    const visibility = query.visibility;
    const byVisibility = visibility && visibility !== 'all' ? eb('visibility', '=', visibility) : eb.lit(true);
    if (viewer.isAdmin) {
      if (visibility === 'shared' && query.memberStatus && query.memberStatus !== 'all') {
        return eb.and([byVisibility, this.#hasMember(eb, null, query.memberStatus)]);
      }
      return byVisibility;
    }
    const project = viewer.projectId;
    const memberStatus = query.memberStatus ?? 'accepted';
    const options: Expression<SqlBool>[] = [];
    if (project !== null) {
      options.push(
        visibility === 'shared' ? eb.and([eb('owner', '=', project), eb('visibility', '=', 'shared')]) : eb('owner', '=', project),
      );
      options.push(eb.and([eb('visibility', '=', 'shared'), this.#hasMember(eb, project, memberStatus)]));
    }
    options.push(eb('visibility', '=', 'public'));
    if (visibility === 'community' || visibility === 'all') options.push(eb('visibility', '=', 'community'));
    return eb.and([byVisibility, eb.or(options)]);
  }

  #hasMember(eb: ImagesEB, project: string | null, status: MemberStatusFilter): Expression<SqlBool> {
    let sub = eb
      .selectFrom('glance_image_members')
      .select('glance_image_members.image_id')
      .whereRef('glance_image_members.image_id', '=', 'glance_images.id');
    if (project !== null) sub = sub.where('glance_image_members.member', '=', project);
    if (status !== 'all') sub = sub.where('glance_image_members.status', '=', status);
    return eb.exists(sub);
  }

  async #complete(cores: ImageCore[]): Promise<ImageRecord[]> {
    if (cores.length === 0) return [];
    const ids = cores.map((c) => c.id);
    const props = new Map<string, Record<string, string>>();
    const tags = new Map<string, string[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const propRows = await this.#db.selectFrom('glance_image_properties').selectAll().where('image_id', 'in', chunk).execute();
      for (const p of propRows) {
        const table = props.get(p.image_id) ?? {};
        table[p.name] = p.value;
        props.set(p.image_id, table);
      }
      const tagRows = await this.#db.selectFrom('glance_image_tags').selectAll().where('image_id', 'in', chunk).execute();
      for (const t of tagRows) tags.set(t.image_id, [...(tags.get(t.image_id) ?? []), t.value]);
    }
    return cores.map((c) => ({ ...c, tags: (tags.get(c.id) ?? []).sort(), properties: props.get(c.id) ?? {} }));
  }

  /**
   * Applies changes in one transaction; null when the image is gone or not in an
   * expected status (the caller lost a race and decides what that means).
   */
  async update(id: string, changes: ImageChanges, now = new Date()): Promise<ImageRecord | null> {
    const applied = await this.#db.transaction().execute(async (trx) => {
      let q = trx
        .updateTable('glance_images')
        .set({ ...(changes.core ?? {}), updated_at: now })
        .where('id', '=', id);
      if (changes.expectStatus) q = q.where('status', 'in', [...changes.expectStatus]);
      const result = await q.executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      for (const name of changes.removeProperties ?? []) {
        await trx.deleteFrom('glance_image_properties').where('image_id', '=', id).where('name', '=', name).execute();
      }
      for (const [name, value] of Object.entries(changes.setProperties ?? {})) {
        const updated = await trx
          .updateTable('glance_image_properties')
          .set({ value })
          .where('image_id', '=', id)
          .where('name', '=', name)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) {
          await trx.insertInto('glance_image_properties').values({ image_id: id, name, value }).execute();
        }
      }
      if (changes.tags) {
        await trx.deleteFrom('glance_image_tags').where('image_id', '=', id).execute();
        for (const value of new Set(changes.tags)) await trx.insertInto('glance_image_tags').values({ image_id: id, value }).execute();
      }
      return true;
    });
    return applied ? this.get(id) : null;
  }

  /** Removes the image and everything hanging off it; false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('glance_image_properties').where('image_id', '=', id).execute();
      await trx.deleteFrom('glance_image_tags').where('image_id', '=', id).execute();
      await trx.deleteFrom('glance_image_members').where('image_id', '=', id).execute();
      const result = await trx.deleteFrom('glance_images').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async addTag(id: string, value: string, now = new Date()): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const exists = await trx
        .selectFrom('glance_image_tags')
        .select('value')
        .where('image_id', '=', id)
        .where('value', '=', value)
        .executeTakeFirst();
      if (!exists) await trx.insertInto('glance_image_tags').values({ image_id: id, value }).execute();
      await trx.updateTable('glance_images').set({ updated_at: now }).where('id', '=', id).execute();
    });
  }

  /** False when the image had no such tag. */
  async removeTag(id: string, value: string, now = new Date()): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('glance_image_tags').where('image_id', '=', id).where('value', '=', value).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await trx.updateTable('glance_images').set({ updated_at: now }).where('id', '=', id).execute();
      return true;
    });
  }

  async addMember(imageId: string, member: string, now = new Date()): Promise<MemberRecord> {
    const record: MemberRecord = { image_id: imageId, member, status: 'pending', created_at: now, updated_at: now };
    await translateDuplicate('member', () => this.#db.insertInto('glance_image_members').values(record).execute());
    return record;
  }

  async getMember(imageId: string, member: string): Promise<MemberRecord | null> {
    const row = await this.#db
      .selectFrom('glance_image_members')
      .selectAll()
      .where('image_id', '=', imageId)
      .where('member', '=', member)
      .executeTakeFirst();
    return row ?? null;
  }

  async listMembers(imageId: string): Promise<MemberRecord[]> {
    return this.#db
      .selectFrom('glance_image_members')
      .selectAll()
      .where('image_id', '=', imageId)
      .orderBy('created_at')
      .orderBy('member')
      .execute();
  }

  async updateMember(imageId: string, member: string, status: string, now = new Date()): Promise<MemberRecord | null> {
    const result = await this.#db
      .updateTable('glance_image_members')
      .set({ status, updated_at: now })
      .where('image_id', '=', imageId)
      .where('member', '=', member)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return null;
    return this.getMember(imageId, member);
  }

  async deleteMember(imageId: string, member: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('glance_image_members')
      .where('image_id', '=', imageId)
      .where('member', '=', member)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
