import { sql } from 'kysely';
import { col, commonColumns, createTableStatements, defineTable, shadowTable, type TableDef } from '../../columns.js';
import type { AnyDatabase, Migration } from '../../migrator.js';

/**
 * Server groups (`os-server-groups`), as Havana's migration 187_add_instance_groups made
 * them: a group, its policies, its members (instance uuids) and its metadata, each with an
 * archive copy.
 */
const common = commonColumns('int');

export const instanceGroups = defineTable(
  'instance_groups',
  [...common, col.id(), col.string('user_id'), col.string('project_id'), col.string('uuid', 36).notNull(), col.string('name')],
  { uniques: [{ name: 'uniq_instance_groups0uuid0deleted', columns: ['uuid', 'deleted'] }] },
);

function child<const N extends string, const C extends string>(name: N, column: C, index: string) {
  return defineTable(name, [...common, col.id(), col.string(column), col.int('group_id').notNull()], {
    indexes: [{ name: index, columns: [column] }],
    foreignKeys: [{ name: `${name}_group_id_fkey`, columns: ['group_id'], table: 'instance_groups', references: ['id'] }],
  });
}

export const instanceGroupPolicy = child('instance_group_policy', 'policy', 'instance_group_policy_policy_idx');
export const instanceGroupMember = child('instance_group_member', 'instance_id', 'instance_group_member_instance_idx');

export const instanceGroupMetadata = defineTable(
  'instance_group_metadata',
  [...common, col.id(), col.string('key'), col.string('value'), col.int('group_id').notNull()],
  {
    indexes: [{ name: 'instance_group_metadata_key_idx', columns: ['key'] }],
    foreignKeys: [{ name: 'instance_group_metadata_group_id_fkey', columns: ['group_id'], table: 'instance_groups', references: ['id'] }],
  },
);

export const INSTANCE_GROUP_TABLES = [instanceGroups, instanceGroupPolicy, instanceGroupMember, instanceGroupMetadata] as const;

/** The tables and their archive copies, in creation order. */
export const INSTANCE_GROUP_TABLES_WITH_SHADOWS: readonly TableDef[] = [
  ...INSTANCE_GROUP_TABLES,
  ...INSTANCE_GROUP_TABLES.map((t: TableDef) => shadowTable(t)),
];

export const instanceGroupsMigration: Migration = {
  version: 165,
  name: 'instance_groups',
  async up(db: AnyDatabase): Promise<void> {
    for (const table of INSTANCE_GROUP_TABLES_WITH_SHADOWS) {
      for (const statement of createTableStatements(db.dialect, table)) await sql.raw(statement).execute(db.kysely);
    }
  },
};
