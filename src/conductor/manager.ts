import type { RequestContext } from '../context/context.js';
import { Manager } from '../service/manager.js';
import type { ServiceRecord } from '../servicegroup/types.js';
import type { ConductorDb } from './db.js';

/**
 * Database access on behalf of hosts that may not open the database themselves
 * (nova-compute). Method names are the wire names of Grizzly's conductor RPC API.
 */
export class ConductorManager extends Manager {
  readonly RPC_API_VERSION = '1.48';
  readonly rpcMethods = ['ping', 'service_get_all_by', 'service_create', 'service_update', 'service_destroy'] as const;

  constructor(
    host: string,
    private readonly db: ConductorDb,
  ) {
    super(host);
  }

  async ping(_ctx: RequestContext, args: { arg: unknown }): Promise<{ service: string; arg: unknown }> {
    return { service: 'conductor', arg: args.arg };
  }

  async service_get_all_by(
    _ctx: RequestContext,
    args: { topic?: string | null; host?: string | null; binary?: string | null },
  ): Promise<ServiceRecord[]> {
    return this.db.serviceGetAllBy(args.topic ?? null, args.host ?? null, args.binary ?? null);
  }

  async service_create(_ctx: RequestContext, args: { values: { host: string; binary: string; topic: string; report_count: number } }): Promise<ServiceRecord> {
    return this.db.serviceCreate(args.values);
  }

  async service_update(
    _ctx: RequestContext,
    args: { service: { id: number }; values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>> },
  ): Promise<ServiceRecord> {
    return this.db.serviceUpdate(args.service.id, args.values);
  }

  async service_destroy(_ctx: RequestContext, args: { service_id: number }): Promise<void> {
    await this.db.serviceDestroy(args.service_id);
  }
}
