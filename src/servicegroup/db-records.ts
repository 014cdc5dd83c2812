import { adminContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { serviceCreate, serviceGetAllBy, serviceUpdate } from '../db/api/services.js';
import type { ServiceRecord, ServiceRecordStore } from './types.js';

/** Service records written straight to the database, for services allowed to open it. */
export class DbServiceRecords implements ServiceRecordStore {
  readonly #db: Db;
  readonly #enableNewServices: boolean;

  constructor(db: Db, enableNewServices: boolean) {
    this.#db = db;
    this.#enableNewServices = enableNewServices;
  }

  async find(host: string, binary: string): Promise<ServiceRecord | null> {
    return (await serviceGetAllBy(this.#db, adminContext(), { topic: null, host, binary }))[0] ?? null;
  }

  create(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord> {
    return serviceCreate(this.#db, adminContext(), values, { enableNewServices: this.#enableNewServices });
  }

  update(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord> {
    return serviceUpdate(this.#db, adminContext(), id, values);
  }
}
