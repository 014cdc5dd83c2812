import { instanceIdMappings, s3Images, snapshotIdMappings, volumeIdMappings } from './schema.js';
import { type AddedUnique, uniqueKeysMigration } from './unique-keys.js';

/**
 * One EC2 id per uuid in each mapping table, so that racing first sights of a uuid all
 * end with the same id (db/api/ec2-id-mappings.ts). Nova never added these keys; a
 * database of ours may hold duplicates from before, of which the lowest id is the one
 * every reader was given.
 */
export const ec2IdMappingsUnique: readonly AddedUnique[] = [s3Images, instanceIdMappings, volumeIdMappings, snapshotIdMappings].map(
  (table): AddedUnique => ({
    table,
    unique: { name: `uniq_${table.name}0uuid`, columns: ['uuid'] },
    duplicates: 'delete-newer',
  }),
);

export const ec2IdMappingsUniqueMigration = uniqueKeysMigration(163, 'ec2_id_mappings_unique', ec2IdMappingsUnique);
