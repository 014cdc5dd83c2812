/**
 * Tables of the embedded image service (repository `image`). They carry a `glance_`
 * prefix because nova-all may keep them in the same database as Nova's own. Rows are
 * removed when an image is deleted: a deleted image answers 404 like any unknown id.
 */
import { col, defineTable, type SchemaOf } from '../columns.js';

export const imagesTable = defineTable(
  'glance_images',
  [
    col.string('id', 36).primaryKey(),
    col.string('name', 255),
    col.string('status', 30).notNull(),
    col.string('visibility', 20).notNull(),
    col.bool('protected').notNull(),
    col.bool('os_hidden').notNull(),
    col.string('owner', 255),
    col.bigint('size'),
    col.bigint('virtual_size'),
    col.string('checksum', 32),
    col.string('os_hash_algo', 64),
    col.string('os_hash_value', 128),
    col.int('min_disk').notNull(),
    col.int('min_ram').notNull(),
    col.string('disk_format', 20),
    col.string('container_format', 20),
    /** Where the data lives in the store (a file name relative to the store directory). */
    col.string('location', 255),
    col.datetime('created_at').notNull(),
    col.datetime('updated_at').notNull(),
  ],
  {
    indexes: [
      { name: 'ix_glance_images_owner', columns: ['owner'] },
      { name: 'ix_glance_images_visibility', columns: ['visibility'] },
      { name: 'ix_glance_images_created_at', columns: ['created_at'] },
    ],
  },
);

/** Custom (non-core) properties; values are strings, as Glance's schema requires. */
export const imagePropertiesTable = defineTable(
  'glance_image_properties',
  [col.string('image_id', 36).primaryKey(), col.string('name', 255).primaryKey(), col.text('value').notNull()],
  {
    indexes: [{ name: 'ix_glance_image_properties_name', columns: ['name'] }],
    foreignKeys: [{ name: 'fk_glance_image_properties_image', columns: ['image_id'], table: 'glance_images', references: ['id'] }],
  },
);

export const imageTagsTable = defineTable(
  'glance_image_tags',
  [col.string('image_id', 36).primaryKey(), col.string('value', 255).primaryKey()],
  {
    indexes: [{ name: 'ix_glance_image_tags_value', columns: ['value'] }],
    foreignKeys: [{ name: 'fk_glance_image_tags_image', columns: ['image_id'], table: 'glance_images', references: ['id'] }],
  },
);

/** Projects a `shared` image is offered to, with their answer (pending/accepted/rejected). */
export const imageMembersTable = defineTable(
  'glance_image_members',
  [
    col.string('image_id', 36).primaryKey(),
    col.string('member', 255).primaryKey(),
    col.string('status', 20).notNull(),
    col.datetime('created_at').notNull(),
    col.datetime('updated_at').notNull(),
  ],
  {
    indexes: [{ name: 'ix_glance_image_members_member', columns: ['member'] }],
    foreignKeys: [{ name: 'fk_glance_image_members_image', columns: ['image_id'], table: 'glance_images', references: ['id'] }],
  },
);

export const imageTables = [imagesTable, imagePropertiesTable, imageTagsTable, imageMembersTable] as const;

export type ImageSchema = SchemaOf<typeof imageTables>;
