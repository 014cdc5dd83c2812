import { NovaError } from '../../common/errors.js';
import type { Db } from '../../db/api/common.js';
import { openConfiguredDatabase } from '../../db/manage.js';
import { type ConfigProvider, ManageError } from './context.js';

/** Runs a command against the configured database; nova errors become one-line failures. */
export async function withDb<T>(config: ConfigProvider, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openConfiguredDatabase(config(), { maxRetries: 0 });
  try {
    return await fn(db);
  } catch (err) {
    if (err instanceof NovaError) throw new ManageError(err.message, 1);
    throw err;
  } finally {
    await db.close();
  }
}
