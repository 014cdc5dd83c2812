import { HostBinaryNotFound } from '../common/errors.js';
import { adminContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import {
  serviceCreate,
  serviceDestroy,
  serviceGetAll,
  serviceGetAllByHost,
  serviceGetAllByTopic,
  serviceGetByArgs,
  serviceGetByComputeHost,
  serviceGetByHostAndTopic,
  serviceUpdate,
} from '../db/api/services.js';
import type { ServiceRecord } from '../servicegroup/types.js';

/** The database calls behind the conductor's service methods. */
export interface ConductorDb {
  serviceGetAllBy(topic: string | null, host: string | null, binary: string | null): Promise<ServiceRecord[]>;
  serviceCreate(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord>;
  serviceUpdate(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord>;
  serviceDestroy(id: number): Promise<void>;
}

export class DbConductor implements ConductorDb {
  constructor(
    private readonly db: Db,
    private readonly enableNewServices: boolean,
  ) {}

  /** Grizzly's service_get_all_by dispatch on which filters are given. */
  async serviceGetAllBy(topic: string | null, host: string | null, binary: string | null): Promise<ServiceRecord[]> {
    const ctx = adminContext();
    if (topic === null && host === null && binary === null) return serviceGetAll(this.db, ctx);
    if (topic !== null && host !== null) {
      if (topic === 'compute') return [await serviceGetByComputeHost(this.db, ctx, host)];
      const one = await serviceGetByHostAndTopic(this.db, ctx, host, topic);
      return one ? [one] : [];
    }
    if (host !== null && binary !== null) {
      try {
        return [await serviceGetByArgs(this.db, ctx, host, binary)];
      } catch (err) {
        if (err instanceof HostBinaryNotFound) return [];
        throw err;
      }
    }
    if (topic !== null) return serviceGetAllByTopic(this.db, ctx, topic);
    if (host !== null) return serviceGetAllByHost(this.db, ctx, host);
    return (await serviceGetAll(this.db, ctx)).filter((s) => s.binary === binary);
  }

  serviceCreate(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord> {
    return serviceCreate(this.db, adminContext(), values, { enableNewServices: this.enableNewServices });
  }

  serviceUpdate(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord> {
    return serviceUpdate(this.db, adminContext(), id, values);
  }

  serviceDestroy(id: number): Promise<void> {
    return serviceDestroy(this.db, adminContext(), id);
  }
}
