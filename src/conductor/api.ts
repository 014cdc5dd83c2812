import type { RequestContext } from '../context/context.js';
import type { RpcClient } from '../rpc/client.js';
import type { ServiceRecord } from '../servicegroup/types.js';
import type { ConductorManager } from './manager.js';

/** What hosts ask the conductor for. LocalConductorAPI and RpcConductorAPI answer the same. */
export interface ConductorAPI {
  ping(ctx: RequestContext, arg: unknown, timeoutSeconds?: number): Promise<{ service: string; arg: unknown }>;
  serviceGetAllBy(ctx: RequestContext, filters: { topic?: string; host?: string; binary?: string }): Promise<ServiceRecord[]>;
  serviceCreate(ctx: RequestContext, values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord>;
  serviceUpdate(ctx: RequestContext, serviceId: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord>;
  serviceDestroy(ctx: RequestContext, serviceId: number): Promise<void>;
}

/** Calls the manager in-process (`[conductor] use_local`, and services allowed to use the database). */
export class LocalConductorAPI implements ConductorAPI {
  constructor(private readonly manager: ConductorManager) {}

  ping(ctx: RequestContext, arg: unknown) {
    return this.manager.ping(ctx, { arg });
  }
  serviceGetAllBy(ctx: RequestContext, filters: { topic?: string; host?: string; binary?: string }) {
    return this.manager.service_get_all_by(ctx, filters);
  }
  serviceCreate(ctx: RequestContext, values: { host: string; binary: string; topic: string; report_count: number }) {
    return this.manager.service_create(ctx, { values });
  }
  serviceUpdate(ctx: RequestContext, serviceId: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>) {
    return this.manager.service_update(ctx, { service: { id: serviceId }, values });
  }
  serviceDestroy(ctx: RequestContext, serviceId: number) {
    return this.manager.service_destroy(ctx, { service_id: serviceId });
  }
}

/** Calls the conductor over the bus (topic `conductor`), as nova-compute does. */
export class RpcConductorAPI implements ConductorAPI {
  constructor(private readonly client: RpcClient) {}

  ping(ctx: RequestContext, arg: unknown, timeoutSeconds?: number) {
    return this.client.call<{ service: string; arg: unknown }>(ctx, 'ping', { arg }, {
      version: '1.22',
      ...(timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds }),
    });
  }
  serviceGetAllBy(ctx: RequestContext, filters: { topic?: string; host?: string; binary?: string }) {
    return this.client.call<ServiceRecord[]>(ctx, 'service_get_all_by', { topic: filters.topic ?? null, host: filters.host ?? null, binary: filters.binary ?? null }, { version: '1.28' });
  }
  serviceCreate(ctx: RequestContext, values: { host: string; binary: string; topic: string; report_count: number }) {
    return this.client.call<ServiceRecord>(ctx, 'service_create', { values }, { version: '1.27' });
  }
  serviceUpdate(ctx: RequestContext, serviceId: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>) {
    return this.client.call<ServiceRecord>(ctx, 'service_update', { service: { id: serviceId }, values }, { version: '1.34' });
  }
  serviceDestroy(ctx: RequestContext, serviceId: number) {
    return this.client.call<void>(ctx, 'service_destroy', { service_id: serviceId }, { version: '1.29' });
  }
}
