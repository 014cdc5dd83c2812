import type { ConductorAPI } from '../conductor/api.js';
import { adminContext } from '../context/context.js';
import type { ServiceRecord, ServiceRecordStore } from './types.js';

/** Service records kept through the conductor, for hosts without database access. */
export class ConductorServiceRecords implements ServiceRecordStore {
  constructor(private readonly conductor: ConductorAPI) {}

  async find(host: string, binary: string): Promise<ServiceRecord | null> {
    const rows = await this.conductor.serviceGetAllBy(adminContext(), { host, binary });
    return rows[0] ?? null;
  }

  create(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord> {
    return this.conductor.serviceCreate(adminContext(), values);
  }

  update(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord> {
    return this.conductor.serviceUpdate(adminContext(), id, values);
  }
}
