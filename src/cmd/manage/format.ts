/** Output helpers that print as Grizzly's nova-manage printed, with Python's formatting. */
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/api/common.js';
import { openConfiguredDatabase } from '../../db/manage.js';

/** Python's `str()` of a value: None for null, `True`/`False` for booleans. */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof Date)
    return value
      .toISOString()
      .replace('T', ' ')
      .replace('Z', '')
      .replace(/\.000$/, '');
  return String(value);
}

/** `%-Ns` (left) or `%Ns` (right): padded, never truncated. */
export function pad(value: unknown, width: number, align: 'left' | 'right' = 'left'): string {
  const s = pyStr(value);
  return align === 'left' ? s.padEnd(width) : s.padStart(width);
}

/** A Python 2 dict of unicode strings, as `print` showed extra specs. */
export function pyDict(record: Readonly<Record<string, string>>): string {
  return `{${Object.entries(record)
    .map(([k, v]) => `u'${k}': u'${v}'`)
    .join(', ')}}`;
}

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Runs `fn` over the configured database, closing it afterwards. */
export async function withDb<T>(conf: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = (await openConfiguredDatabase(conf, { maxRetries: 0 })) as Db;
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
