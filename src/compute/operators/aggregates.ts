/**
 * Host aggregates (Grizzly's compute AggregateAPI): groups of compute hosts with metadata.
 * The `availability_zone` key makes an aggregate a zone, which the zone listings and the
 * AvailabilityZoneFilter read; a host may be in one zone only (Havana's rule, which keeps
 * a host's zone well defined).
 */
import { Conflict, Invalid } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import {
  type AggregateRecord,
  aggregateCreate,
  aggregateDelete,
  aggregateGet,
  aggregateGetAll,
  aggregateGetByHost,
  aggregateHostAdd,
  aggregateHostDelete,
  aggregateMetadataSet,
  aggregateUpdate,
} from '../../db/api/aggregates.js';
import type { Db } from '../../db/api/common.js';
import { serviceGetByComputeHost } from '../../db/api/services.js';

export { AggregateNotFound, type AggregateRecord } from '../../db/api/aggregates.js';

const AZ_KEY = 'availability_zone';

/** An aggregate operation refused for the aggregate's state (400). */
export class InvalidAggregateAction extends Invalid {}
/** A host or zone change that would put a host in two zones (409 where Nova answers Conflict). */
export class AggregateZoneConflict extends Conflict {}

function refuse(action: string, id: number, reason: string, kind: 'invalid' | 'conflict'): Error {
  const message = `Cannot ${action} aggregate ${id}. Reason: ${reason}.`;
  const kwargs = { action, aggregate_id: id, reason };
  return kind === 'conflict' ? new AggregateZoneConflict(message, { kwargs }) : new InvalidAggregateAction(message, { kwargs });
}

export class AggregateAPI {
  constructor(private readonly db: Db) {}

  list(ctx: RequestContext): Promise<AggregateRecord[]> {
    return aggregateGetAll(this.db, ctx);
  }

  get(ctx: RequestContext, id: number): Promise<AggregateRecord> {
    return aggregateGet(this.db, ctx, id);
  }

  create(ctx: RequestContext, name: string, zone: string | null): Promise<AggregateRecord> {
    return aggregateCreate(this.db, ctx, name, zone ? { [AZ_KEY]: zone } : {});
  }

  async update(ctx: RequestContext, id: number, values: { name?: string; availability_zone?: string | null }): Promise<AggregateRecord> {
    const aggregate = await aggregateGet(this.db, ctx, id);
    if (values.availability_zone !== undefined) await this.#checkZoneChange(ctx, aggregate, values.availability_zone, 'update', 'conflict');
    if (values.name !== undefined) await aggregateUpdate(this.db, ctx, id, { name: values.name });
    if (values.availability_zone !== undefined) await aggregateMetadataSet(this.db, ctx, id, { [AZ_KEY]: values.availability_zone });
    return aggregateGet(this.db, ctx, id);
  }

  /** Deletes an empty aggregate; InvalidAggregateAction while it has hosts. */
  async delete(ctx: RequestContext, id: number): Promise<void> {
    const aggregate = await aggregateGet(this.db, ctx, id);
    if (aggregate.hosts.length > 0) throw refuse('delete', id, 'Host aggregate is not empty', 'invalid');
    await aggregateDelete(this.db, ctx, id);
  }

  /** ComputeHostNotFound for a host without nova-compute; 409 if a member already or in another zone. */
  async addHost(ctx: RequestContext, id: number, host: string): Promise<AggregateRecord> {
    await serviceGetByComputeHost(this.db, ctx, host);
    const aggregate = await aggregateGet(this.db, ctx, id);
    const zone = aggregate.metadata[AZ_KEY];
    if (zone !== undefined) {
      const other = await this.#otherZones(ctx, host, id);
      const clash = other.find((z) => z !== zone);
      if (clash !== undefined) throw refuse('add host to', id, `Host already in availability zone ${clash}`, 'conflict');
    }
    await aggregateHostAdd(this.db, ctx, id, host);
    return aggregateGet(this.db, ctx, id);
  }

  async removeHost(ctx: RequestContext, id: number, host: string): Promise<AggregateRecord> {
    await serviceGetByComputeHost(this.db, ctx, host);
    await aggregateHostDelete(this.db, ctx, id, host);
    return aggregateGet(this.db, ctx, id);
  }

  async setMetadata(ctx: RequestContext, id: number, metadata: Record<string, string | null>): Promise<AggregateRecord> {
    const aggregate = await aggregateGet(this.db, ctx, id);
    if (AZ_KEY in metadata) await this.#checkZoneChange(ctx, aggregate, metadata[AZ_KEY] ?? null, 'update', 'invalid');
    await aggregateMetadataSet(this.db, ctx, id, metadata);
    return aggregateGet(this.db, ctx, id);
  }

  /** The zones `host` has through aggregates other than `except`. */
  async #otherZones(ctx: RequestContext, host: string, except: number): Promise<string[]> {
    return (await aggregateGetByHost(this.db, ctx, host))
      .filter((a) => a.id !== except && a.metadata[AZ_KEY] !== undefined)
      .map((a) => a.metadata[AZ_KEY] as string);
  }

  /** Refuses a zone for the aggregate that one of its hosts already has a different one. */
  async #checkZoneChange(
    ctx: RequestContext,
    aggregate: AggregateRecord,
    zone: string | null,
    action: string,
    kind: 'invalid' | 'conflict',
  ): Promise<void> {
    if (zone === null) return;
    for (const host of aggregate.hosts) {
      const clash = (await this.#otherZones(ctx, host, aggregate.id)).find((z) => z !== zone);
      if (clash !== undefined) throw refuse(action, aggregate.id, `Host ${host} already in availability zone ${clash}`, kind);
    }
  }
}
