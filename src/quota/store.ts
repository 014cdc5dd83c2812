/**
 * What the quota engine needs from storage. The database implements these (db/api/quotas.ts,
 * adapted at wiring time); the engine never imports db/ itself.
 */

/** Hard limits set by an operator. A null hard limit counts as unlimited, like -1. */
export interface QuotaLimitStore {
  /** The project's own limits (table `quotas`, non-deleted rows), by resource name. */
  projectLimits(projectId: string): Promise<Record<string, number | null>>;
  /** The limits of a quota class (table `quota_classes`), by resource name. */
  classLimits(className: string): Promise<Record<string, number | null>>;
  /** Creates or updates the project's row for one resource. */
  setProjectLimit(projectId: string, resource: string, hardLimit: number): Promise<void>;
  /** Creates or updates the class's row for one resource. */
  setClassLimit(className: string, resource: string, hardLimit: number): Promise<void>;
  /** Removes every limit row of the project (it falls back to class and config defaults). */
  destroyProjectLimits(projectId: string): Promise<void>;
}

export interface InstanceUsage {
  instances: number;
  /** Sum of vcpus of the counted instances. */
  cores: number;
  /** Sum of memory_mb of the counted instances. */
  ram: number;
}

export interface CountInstancesOptions {
  /** Leave this instance out of the count (an instance being checked against its own usage). */
  excludeUuid?: string;
}

/**
 * Counts usage from the rows that exist right now. Because nothing is cached, usage cannot
 * drift from reality; each count must read committed rows of the database, not a cache.
 */
export interface UsageCounter {
  /**
   * The project's instances that hold resources: rows not deleted and not in vm_state
   * `soft-delete` (a soft-deleted instance gives its quota back until restored).
   */
  countInstances(projectId: string, opts?: CountInstancesOptions): Promise<InstanceUsage>;
  /** Non-deleted security groups of the project. */
  countSecurityGroups(projectId: string): Promise<number>;
  /** Non-deleted rules of one security group. */
  countSecurityGroupRules(groupId: string): Promise<number>;
  /** Non-deleted key pairs of one user. */
  countKeyPairs(userId: string): Promise<number>;
  /** Floating IPs allocated to the project, not counting auto-assigned ones. */
  countFloatingIps(projectId: string): Promise<number>;
  /** Fixed IPs allocated to instances of the project. */
  countFixedIps(projectId: string): Promise<number>;
  /** Networks owned by the project. */
  countNetworks(projectId: string): Promise<number>;
}
