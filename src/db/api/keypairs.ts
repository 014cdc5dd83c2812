/** SSH key pairs, owned by a user (not a project). */
import { KeyPairExists, KeypairNotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import { isUniqueViolation } from '../errors.js';
import type { KeyPair } from '../types.js';
import { authorizeUser, type Db, insertReturningId, now } from './common.js';

export interface KeyPairValues {
  user_id: string;
  name: string;
  fingerprint: string;
  public_key: string;
}

function notFound(userId: string, name: string): KeypairNotFound {
  return new KeypairNotFound(`Keypair ${name} not found for user ${userId}`, { kwargs: { user_id: userId, name } });
}

/**
 * Records a key pair; KeyPairExists when the user already has a live one of that name.
 * The UNIQUE (user_id, name, deleted) key decides between racing creates.
 */
export async function keyPairCreate(db: Db, ctx: RequestContext | null, values: KeyPairValues): Promise<KeyPair> {
  authorizeUser(ctx, values.user_id);
  let id: number;
  try {
    id = await insertReturningId(db, 'key_pairs', { ...values, created_at: now(), deleted: 0 });
  } catch (err) {
    if (isUniqueViolation(err)) throw new KeyPairExists(`Key pair '${values.name}' already exists.`, { kwargs: { key_name: values.name } });
    throw err;
  }
  return db.kysely.selectFrom('key_pairs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function keyPairGet(db: Db, ctx: RequestContext | null, userId: string, name: string): Promise<KeyPair> {
  authorizeUser(ctx, userId);
  const row = await db.kysely
    .selectFrom('key_pairs')
    .selectAll()
    .where('deleted', '=', 0)
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw notFound(userId, name);
  return row;
}

export async function keyPairGetAllByUser(db: Db, ctx: RequestContext | null, userId: string): Promise<KeyPair[]> {
  authorizeUser(ctx, userId);
  return db.kysely
    .selectFrom('key_pairs')
    .selectAll()
    .where('deleted', '=', 0)
    .where('user_id', '=', userId)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

/** Removes a key pair for good, as Nova's key_pair_destroy does; KeypairNotFound. */
export async function keyPairDestroy(db: Db, ctx: RequestContext | null, userId: string, name: string): Promise<void> {
  authorizeUser(ctx, userId);
  const result = await db.kysely
    .deleteFrom('key_pairs')
    .where('deleted', '=', 0)
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw notFound(userId, name);
}
