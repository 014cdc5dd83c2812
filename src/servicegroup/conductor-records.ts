import type { ConductorClient } from '../conductor/contract.js';
import { adminContext } from '../context/context.js';
import type { ServiceRecord, ServiceRecordStore } from './types.js';

/** Service records kept through the conductor, for hosts without database access. */
export class ConductorServiceRecords implements ServiceRecordStore {
  constructor(private readonly conductor: Pick<ConductorClient, 'call'>) {}

  async find(host: string, binary: string): Promise<ServiceRecord | null> {
    const rows = await this.conductor.call(adminContext(), 'service_get_all_by', { topic: null, host, binary });
    return rows[0] ?? null;
  }

  create(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord> {
    return this.conductor.call(adminContext(), 'service_create', { values });
  }

  update(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord> {
    return this.conductor.call(adminContext(), 'service_update', { service: { id }, values });
  }
}
