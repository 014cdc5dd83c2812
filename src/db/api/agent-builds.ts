/** The `agent_builds` table: guest agent builds per hypervisor, OS and architecture. */
import { Conflict, NotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { AgentBuild } from '../types.js';
import { type Db, insertReturningId, inTransaction, now, requireAdmin, softDeleteWhere } from './common.js';

export class AgentBuildNotFound extends NotFound {}
export class AgentBuildExists extends Conflict {}

export interface AgentBuildValues {
  hypervisor: string;
  os: string;
  architecture: string;
  version: string;
  url: string;
  md5hash: string;
}

function notFound(id: number): AgentBuildNotFound {
  return new AgentBuildNotFound(`No agent-build associated with id ${id}.`, { kwargs: { id } });
}

export async function agentBuildGetAll(db: Db, ctx: RequestContext | null, hypervisor?: string): Promise<AgentBuild[]> {
  requireAdmin(ctx);
  let q = db.kysely.selectFrom('agent_builds').selectAll().where('deleted', '=', 0);
  if (hypervisor !== undefined) q = q.where('hypervisor', '=', hypervisor);
  return q.orderBy('id').execute();
}

/** A new build; AgentBuildExists (409) when one exists for the hypervisor, OS and architecture. */
export async function agentBuildCreate(db: Db, ctx: RequestContext | null, values: AgentBuildValues): Promise<AgentBuild> {
  requireAdmin(ctx);
  return inTransaction(db, async (tx) => {
    const existing = await tx.kysely
      .selectFrom('agent_builds')
      .select('id')
      .where('hypervisor', '=', values.hypervisor)
      .where('os', '=', values.os)
      .where('architecture', '=', values.architecture)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (existing) {
      const { hypervisor, os, architecture } = values;
      throw new AgentBuildExists(`Agent-build with hypervisor ${hypervisor} os ${os} architecture ${architecture} exists.`, {
        kwargs: { hypervisor, os, architecture },
      });
    }
    const id = await insertReturningId(tx, 'agent_builds', { ...values, created_at: now(), deleted: 0 });
    return tx.kysely.selectFrom('agent_builds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  });
}

/** Changes a build's url, md5hash and version; AgentBuildNotFound. */
export async function agentBuildUpdate(
  db: Db,
  ctx: RequestContext | null,
  id: number,
  values: Pick<AgentBuildValues, 'url' | 'md5hash' | 'version'>,
): Promise<AgentBuild> {
  requireAdmin(ctx);
  const result = await db.kysely
    .updateTable('agent_builds')
    .set({ ...values, updated_at: now() })
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound(id);
  return db.kysely.selectFrom('agent_builds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function agentBuildDestroy(db: Db, ctx: RequestContext | null, id: number): Promise<void> {
  requireAdmin(ctx);
  if ((await softDeleteWhere(db, 'agent_builds', { id })) === 0) throw notFound(id);
}
