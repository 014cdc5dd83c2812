import { keyPairs } from './schema.js';
import { type AddedUnique, uniqueKeysMigration } from './unique-keys.js';

/**
 * One live key pair per user and name, enforced by the database so that two racing
 * creates cannot both insert (Havana's migration 173, under the name Havana gives it).
 */
export const keyPairsUnique: AddedUnique = {
  table: keyPairs,
  unique: { name: 'key_pairs_uniq_name_and_user_id', columns: ['user_id', 'name', 'deleted'] },
  replacesIndex: 'key_pair_user_id_name_idx',
  duplicates: 'soft-delete-older',
};

export const keyPairsUniqueMigration = uniqueKeysMigration(162, 'key_pairs_unique', [keyPairsUnique]);
