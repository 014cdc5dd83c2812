/** Guest agent builds (os-agents, nova-manage agent): which agent a hypervisor's guests get. */
import type { RequestContext } from '../../context/context.js';
import {
  AgentBuildNotFound,
  type AgentBuildValues,
  agentBuildCreate,
  agentBuildDestroy,
  agentBuildGetAll,
  agentBuildUpdate,
} from '../../db/api/agent-builds.js';
import type { Db } from '../../db/api/common.js';
import type { AgentBuild } from '../../db/types.js';

export { AgentBuildNotFound, type AgentBuildValues } from '../../db/api/agent-builds.js';
export type { AgentBuild } from '../../db/types.js';

export class AgentAPI {
  constructor(private readonly db: Db) {}

  list(ctx: RequestContext, hypervisor?: string): Promise<AgentBuild[]> {
    return agentBuildGetAll(this.db, ctx, hypervisor);
  }

  create(ctx: RequestContext, values: AgentBuildValues): Promise<AgentBuild> {
    return agentBuildCreate(this.db, ctx, values);
  }

  update(ctx: RequestContext, id: string, values: Pick<AgentBuildValues, 'url' | 'md5hash' | 'version'>): Promise<AgentBuild> {
    return agentBuildUpdate(this.db, ctx, agentId(id), values);
  }

  delete(ctx: RequestContext, id: string): Promise<void> {
    return agentBuildDestroy(this.db, ctx, agentId(id));
  }
}

function agentId(id: string): number {
  if (!/^\d{1,10}$/.test(id)) throw new AgentBuildNotFound(`No agent-build associated with id ${id}.`, { kwargs: { id } });
  return Number(id);
}
