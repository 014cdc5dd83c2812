/**
 * Nova services as operators see them (os-services, nova-manage service): each row with
 * its availability zone and liveness, and switching scheduling on a host off and on.
 */
import type { RequestContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import { serviceGetByArgs, serviceUpdate } from '../../db/api/services.js';
import type { Service } from '../../db/types.js';
import type { Liveness } from '../../servicegroup/types.js';
import type { AvailabilityZoneAPI } from '../availability-zones.js';

export interface ServiceView {
  service: Service;
  zone: string;
  up: boolean;
}

export interface ServiceFilter {
  host?: string | undefined;
  binary?: string | undefined;
}

export class ServiceAPI {
  constructor(
    private readonly db: Db,
    private readonly zones: AvailabilityZoneAPI,
    private readonly liveness: Liveness,
  ) {}

  /** Every live service (optionally of one host and/or binary) with its zone and liveness. */
  async list(_ctx: RequestContext, filter: ServiceFilter = {}): Promise<ServiceView[]> {
    // Heartbeats are stamped by the database layer's wall clock, so liveness is judged by it too.
    const now = new Date();
    const { services } = await this.zones.zonedServices();
    const chosen = services.filter(
      ({ service }) => (!filter.host || service.host === filter.host) && (!filter.binary || service.binary === filter.binary),
    );
    return Promise.all(chosen.map(async ({ service, zone }) => ({ service, zone, up: await this.liveness.isUp(service, now) })));
  }

  /**
   * Enables or disables a service; a reason is kept only while it is disabled.
   * HostBinaryNotFound (404) when no such service exists.
   */
  async setDisabled(ctx: RequestContext, host: string, binary: string, disabled: boolean, reason: string | null = null): Promise<Service> {
    const service = await serviceGetByArgs(this.db, ctx, host, binary);
    return serviceUpdate(this.db, ctx, service.id, { disabled, disabled_reason: disabled ? reason : null });
  }
}
