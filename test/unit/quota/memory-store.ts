/**
 * In-memory QuotaLimitStore and UsageCounter for the quota unit tests: the limits are a
 * map, the usage is counted from plain lists of "rows" the tests add and remove, exactly as
 * the database implementation counts its tables.
 */

import type { CountInstancesOptions, InstanceUsage, QuotaLimitStore, UsageCounter } from '../../../src/quota/store.js';

export class MemoryQuotaLimitStore implements QuotaLimitStore {
  readonly projects = new Map<string, Map<string, number | null>>();
  readonly classes = new Map<string, Map<string, number | null>>();

  async projectLimits(projectId: string): Promise<Record<string, number | null>> {
    return Object.fromEntries(this.projects.get(projectId) ?? []);
  }

  async classLimits(className: string): Promise<Record<string, number | null>> {
    return Object.fromEntries(this.classes.get(className) ?? []);
  }

  async setProjectLimit(projectId: string, resource: string, hardLimit: number | null): Promise<void> {
    const rows = this.projects.get(projectId) ?? new Map<string, number | null>();
    rows.set(resource, hardLimit);
    this.projects.set(projectId, rows);
  }

  async setClassLimit(className: string, resource: string, hardLimit: number | null): Promise<void> {
    const rows = this.classes.get(className) ?? new Map<string, number | null>();
    rows.set(resource, hardLimit);
    this.classes.set(className, rows);
  }

  async destroyProjectLimits(projectId: string): Promise<void> {
    this.projects.delete(projectId);
  }
}

export interface InstanceRow {
  uuid: string;
  projectId: string;
  vcpus: number;
  memoryMb: number;
  softDeleted?: boolean;
}

export class MemoryUsageCounter implements UsageCounter {
  instances: InstanceRow[] = [];
  securityGroups: { id: string; projectId: string }[] = [];
  securityGroupRules: { groupId: string }[] = [];
  keyPairs: { userId: string }[] = [];
  floatingIps: { projectId: string; autoAssigned: boolean }[] = [];
  fixedIps: { projectId: string }[] = [];
  networks: { projectId: string }[] = [];
  /** Every count call waits up to this many milliseconds (random), so concurrent requests interleave. */
  jitterMs = 0;
  /** When above 1, count calls wait until this many are waiting and then all proceed together. */
  rendezvous = 0;
  #waiting: (() => void)[] = [];

  async #pause(): Promise<void> {
    if (this.rendezvous > 1) {
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
        if (this.#waiting.length >= this.rendezvous) {
          for (const release of this.#waiting.splice(0)) release();
        }
      });
    }
    if (this.jitterMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * this.jitterMs));
  }

  async countInstances(projectId: string, opts: CountInstancesOptions = {}): Promise<InstanceUsage> {
    await this.#pause();
    const rows = this.instances.filter((i) => i.projectId === projectId && !i.softDeleted && i.uuid !== opts.excludeUuid);
    return {
      instances: rows.length,
      cores: rows.reduce((sum, i) => sum + i.vcpus, 0),
      ram: rows.reduce((sum, i) => sum + i.memoryMb, 0),
    };
  }

  async countSecurityGroups(projectId: string): Promise<number> {
    await this.#pause();
    return this.securityGroups.filter((g) => g.projectId === projectId).length;
  }

  async countSecurityGroupRules(groupId: string): Promise<number> {
    await this.#pause();
    return this.securityGroupRules.filter((r) => r.groupId === groupId).length;
  }

  async countKeyPairs(userId: string): Promise<number> {
    await this.#pause();
    return this.keyPairs.filter((k) => k.userId === userId).length;
  }

  async countFloatingIps(projectId: string): Promise<number> {
    await this.#pause();
    return this.floatingIps.filter((f) => f.projectId === projectId && !f.autoAssigned).length;
  }

  async countFixedIps(projectId: string): Promise<number> {
    await this.#pause();
    return this.fixedIps.filter((f) => f.projectId === projectId).length;
  }

  async countNetworks(projectId: string): Promise<number> {
    await this.#pause();
    return this.networks.filter((n) => n.projectId === projectId).length;
  }
}
