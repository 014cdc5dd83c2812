/**
 * Server groups (`os-server-groups`): create within the `server_groups` quota, list, show
 * and delete. The scheduler enforces a group's policy through the `group` hint
 * (scheduler/manager.ts); membership is recorded when a server is created in a group.
 */
import { OverQuota, ServerGroupLimitExceeded } from '../common/errors.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import {
  type InstanceGroupRecord,
  instanceGroupCountByProject,
  instanceGroupCreate,
  instanceGroupDelete,
  instanceGroupGetAll,
  instanceGroupGetByUuid,
} from '../db/api/instance-groups.js';
import type { QuotaEngine } from '../quota/engine.js';

export type { InstanceGroupRecord } from '../db/api/instance-groups.js';

export const SERVER_GROUP_POLICIES = ['anti-affinity', 'affinity'] as const;

export class ServerGroupAPI {
  constructor(
    private readonly db: Db,
    private readonly quota: QuotaEngine,
  ) {}

  async #checkRoom(ctx: RequestContext, projectId: string, extra: number): Promise<void> {
    const count = await instanceGroupCountByProject(this.db, projectId);
    try {
      await this.quota.limitCheck(projectId, { server_groups: count + extra }, { quotaClass: ctx.quotaClass });
    } catch (err) {
      if (err instanceof OverQuota) throw new ServerGroupLimitExceeded('Quota exceeded, too many server groups.');
      throw err;
    }
  }

  /** Creates a group of the caller's project; ServerGroupLimitExceeded over quota (checked again after the insert). */
  async create(ctx: RequestContext, name: string, policies: readonly string[]): Promise<InstanceGroupRecord> {
    const projectId = ctx.projectId ?? '';
    await this.#checkRoom(ctx, projectId, 1);
    const group = await instanceGroupCreate(this.db, ctx, { name, policies, project_id: projectId, user_id: ctx.userId });
    try {
      await this.#checkRoom(ctx, projectId, 0);
    } catch (err) {
      await instanceGroupDelete(this.db, ctx.elevated(), group.uuid);
      throw err;
    }
    return group;
  }

  get(ctx: RequestContext, uuid: string): Promise<InstanceGroupRecord> {
    return instanceGroupGetByUuid(this.db, ctx, uuid);
  }

  /** The caller's groups, or every project's for an admin asking for all of them. */
  list(ctx: RequestContext, allProjects: boolean, page: { limit?: number; offset?: number }): Promise<InstanceGroupRecord[]> {
    return instanceGroupGetAll(this.db, ctx, allProjects && ctx.isAdmin ? null : (ctx.projectId ?? ''), page);
  }

  delete(ctx: RequestContext, uuid: string): Promise<void> {
    return instanceGroupDelete(this.db, ctx, uuid);
  }
}
