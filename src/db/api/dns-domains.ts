/**
 * The `dns_domains` table (nova/db/sqlalchemy/models.py DNSDomain): which DNS domains nova-network manages, and their scope —
 * `private` (instance entries, tied to an availability zone) or `public` (floating IP
 * entries, tied to a project). Deleting a domain removes its row (Grizzly hard-deletes it).
 */
import type { RequestContext } from '../../context/context.js';
import { type Db, now } from './common.js';

export interface DnsDomain {
  domain: string;
  scope: 'private' | 'public' | null;
  availability_zone: string | null;
  project_id: string | null;
}

/** Registers (or re-registers) a domain with its scope. */
export async function dnsDomainRegister(
  db: Db,
  _ctx: RequestContext | null,
  values: { domain: string; scope: 'private' | 'public'; availability_zone?: string | null; project_id?: string | null },
): Promise<DnsDomain> {
  const row = { scope: values.scope, availability_zone: values.availability_zone ?? null, project_id: values.project_id ?? null };
  const existing = await db.kysely.selectFrom('dns_domains').select('domain').where('domain', '=', values.domain).executeTakeFirst();
  if (existing) {
    await db.kysely
      .updateTable('dns_domains')
      .set({ ...row, deleted: false, deleted_at: null, updated_at: now() })
      .where('domain', '=', values.domain)
      .execute();
  } else {
    await db.kysely
      .insertInto('dns_domains')
      .values({ domain: values.domain, ...row, deleted: false, created_at: now() })
      .execute();
  }
  return { domain: values.domain, ...row };
}

export async function dnsDomainGet(db: Db, _ctx: RequestContext | null, domain: string): Promise<DnsDomain | null> {
  const row = await db.kysely
    .selectFrom('dns_domains')
    .select(['domain', 'scope', 'availability_zone', 'project_id'])
    .where('domain', '=', domain)
    .where('deleted', '=', false)
    .executeTakeFirst();
  return row ? (row as DnsDomain) : null;
}

export async function dnsDomainList(db: Db, _ctx: RequestContext | null): Promise<DnsDomain[]> {
  const rows = await db.kysely
    .selectFrom('dns_domains')
    .select(['domain', 'scope', 'availability_zone', 'project_id'])
    .where('deleted', '=', false)
    .orderBy('domain')
    .execute();
  return rows as DnsDomain[];
}

export async function dnsDomainUnregister(db: Db, _ctx: RequestContext | null, domain: string): Promise<void> {
  await db.kysely.deleteFrom('dns_domains').where('domain', '=', domain).execute();
}
