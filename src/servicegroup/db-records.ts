import { DbConductor } from '../conductor/db.js';
import type { Db } from '../db/api/common.js';
import type { ServiceRecord, ServiceRecordStore } from './types.js';

/** Service records written straight to the database, for services allowed to open it. */
export class DbServiceRecords implements ServiceRecordStore {
  readonly #db: DbConductor;

  constructor(db: Db, enableNewServices: boolean) {
    this.#db = new DbConductor(db, enableNewServices);
  }

  async find(host: string, binary: string): Promise<ServiceRecord | null> {
    return (await this.#db.serviceGetAllBy(null, host, binary))[0] ?? null;
  }

  create(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord> {
    return this.#db.serviceCreate(values);
  }

  update(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord> {
    return this.#db.serviceUpdate(id, values);
  }
}
