import type { TableDef } from '../../columns.js';
import type { Migration } from '../../migrator.js';
import { grizzlyBaseline } from './161_grizzly.js';
import { keyPairsUnique, keyPairsUniqueMigration } from './162_key_pairs_unique.js';
import { ec2IdMappingsUnique, ec2IdMappingsUniqueMigration } from './163_ec2_id_mappings_unique.js';
import { operatorColumnsMigration } from './164_operator_columns.js';
import { INSTANCE_GROUP_TABLES_WITH_SHADOWS, instanceGroupsMigration } from './165_instance_groups.js';
import { NOVA_TABLES } from './schema.js';
import { withAddedUniques } from './unique-keys.js';

/** The migration repository of Nova's own tables (`migrate_version.repository_id = 'nova'`). */
export const NOVA_REPOSITORY = 'nova';

/** Nova's migrations, oldest first: the Grizzly baseline (161), then what later releases and nova-ts added. */
export const novaMigrations: readonly Migration[] = [
  grizzlyBaseline,
  keyPairsUniqueMigration,
  ec2IdMappingsUniqueMigration,
  operatorColumnsMigration(NOVA_TABLES),
  instanceGroupsMigration,
];

/** The version a fully migrated database reports. */
export const NOVA_LATEST_VERSION = (novaMigrations.at(-1) as Migration).version;

/** Every table as a fully migrated database has it. */
export const MIGRATED_NOVA_TABLES: readonly TableDef[] = [
  ...NOVA_TABLES.map((t) => withAddedUniques(t, [keyPairsUnique, ...ec2IdMappingsUnique])),
  ...INSTANCE_GROUP_TABLES_WITH_SHADOWS,
];
