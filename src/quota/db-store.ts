/**
 * The quota engine's storage, backed by db/api/quotas.ts. The engine has already decided
 * whose limits and usage it needs, so these calls run without a user context.
 */
import type { Config } from '../config/config.js';
import type { Db } from '../db/api/common.js';
import {
  countFixedIps,
  countFloatingIps,
  countInstances,
  countKeyPairs,
  countNetworks,
  countSecurityGroupRules,
  countSecurityGroups,
  quotaClassCreateOrUpdate,
  quotaClassGetAllByName,
  quotaCreateOrUpdate,
  quotaDestroyAllByProject,
  quotaGetAllByProject,
} from '../db/api/quotas.js';
import { QuotaEngine } from './engine.js';
import type { CountInstancesOptions, InstanceUsage, QuotaLimitStore, UsageCounter } from './store.js';

export class DbQuotaLimitStore implements QuotaLimitStore {
  constructor(private readonly db: Db) {}

  projectLimits(projectId: string): Promise<Record<string, number | null>> {
    return quotaGetAllByProject(this.db, null, projectId);
  }

  classLimits(className: string): Promise<Record<string, number | null>> {
    return quotaClassGetAllByName(this.db, null, className);
  }

  setProjectLimit(projectId: string, resource: string, hardLimit: number): Promise<void> {
    return quotaCreateOrUpdate(this.db, null, projectId, resource, hardLimit);
  }

  setClassLimit(className: string, resource: string, hardLimit: number): Promise<void> {
    return quotaClassCreateOrUpdate(this.db, null, className, resource, hardLimit);
  }

  destroyProjectLimits(projectId: string): Promise<void> {
    return quotaDestroyAllByProject(this.db, null, projectId);
  }
}

export class DbUsageCounter implements UsageCounter {
  constructor(private readonly db: Db) {}

  countInstances(projectId: string, opts?: CountInstancesOptions): Promise<InstanceUsage> {
    return countInstances(this.db, null, projectId, opts?.excludeUuid === undefined ? {} : { excludeUuid: opts.excludeUuid });
  }

  countSecurityGroups(projectId: string): Promise<number> {
    return countSecurityGroups(this.db, null, projectId);
  }

  /** Group ids are integers in the database; anything else names no group and has no rules. */
  async countSecurityGroupRules(groupId: string): Promise<number> {
    const id = Number(groupId);
    if (!Number.isInteger(id)) return 0;
    return countSecurityGroupRules(this.db, null, id);
  }

  countKeyPairs(userId: string): Promise<number> {
    return countKeyPairs(this.db, null, userId);
  }

  countFloatingIps(projectId: string): Promise<number> {
    return countFloatingIps(this.db, null, projectId);
  }

  countFixedIps(projectId: string): Promise<number> {
    return countFixedIps(this.db, null, projectId);
  }

  countNetworks(projectId: string): Promise<number> {
    return countNetworks(this.db, null, projectId);
  }
}

/** A QuotaEngine over the database: limits from `quotas`/`quota_classes`, usage counted from the rows. */
export function createDbQuotaEngine(conf: Config, db: Db): QuotaEngine {
  return new QuotaEngine(conf, new DbQuotaLimitStore(db), new DbUsageCounter(db));
}
