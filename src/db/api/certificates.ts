/** The certificates nova-cert issued (`certificates` table): which user and project, and the file of each. */
import type { RequestContext } from '../../context/context.js';
import type { Certificate } from '../types.js';
import { type Db, insertReturningId, now, requireAdmin } from './common.js';

export interface CertificateValues {
  user_id: string;
  project_id: string;
  file_name: string;
}

export async function certificateCreate(db: Db, ctx: RequestContext | null, values: CertificateValues): Promise<Certificate> {
  requireAdmin(ctx);
  const id = await insertReturningId(db, 'certificates', { ...values, created_at: now(), deleted: 0 });
  return db.kysely.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

function live(db: Db) {
  return db.kysely.selectFrom('certificates').selectAll().where('deleted', '=', 0).orderBy('id');
}

export async function certificateGetAllByUser(db: Db, ctx: RequestContext | null, userId: string): Promise<Certificate[]> {
  requireAdmin(ctx);
  return live(db).where('user_id', '=', userId).execute();
}

export async function certificateGetAllByProject(db: Db, ctx: RequestContext | null, projectId: string): Promise<Certificate[]> {
  requireAdmin(ctx);
  return live(db).where('project_id', '=', projectId).execute();
}

export async function certificateGetAllByUserAndProject(
  db: Db,
  ctx: RequestContext | null,
  userId: string,
  projectId: string,
): Promise<Certificate[]> {
  requireAdmin(ctx);
  return live(db).where('user_id', '=', userId).where('project_id', '=', projectId).execute();
}
