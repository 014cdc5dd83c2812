/**
 * `os-aggregates`: host aggregates, their hosts and metadata. An aggregate with an
 * `availability_zone` is a zone clients can boot into.
 */
import { Type } from 'typebox';
import { type AggregateAPI, AggregateNotFound, type AggregateRecord } from '../../../compute/operators/aggregates.js';
import { naiveIsoTime } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';

const NAME = Type.String({ minLength: 1, maxLength: 255, pattern: '^\\S(.*\\S)?$' });
const ZONE = Type.Union([NAME, Type.Null()]);
const createBody = Type.Object(
  {
    aggregate: Type.Object({ name: NAME, availability_zone: Type.Optional(ZONE) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
const updateBody = Type.Object(
  {
    aggregate: Type.Object(
      { name: Type.Optional(NAME), availability_zone: Type.Optional(ZONE) },
      { additionalProperties: false, minProperties: 1 },
    ),
  },
  { additionalProperties: false },
);
const hostBody = (action: string) =>
  Type.Object(
    { [action]: Type.Object({ host: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }) },
    { additionalProperties: false },
  );
const metadataBody = Type.Object(
  {
    set_metadata: Type.Object(
      {
        metadata: Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.Union([Type.String({ maxLength: 255 }), Type.Null()]), {
          minProperties: 1,
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function aggregateId(raw: string | undefined): number {
  if (!raw || !/^\d{1,10}$/.test(raw)) {
    throw new AggregateNotFound(`Aggregate ${raw} could not be found.`, { kwargs: { aggregate_id: raw } });
  }
  return Number(raw);
}

function created(a: AggregateRecord) {
  return {
    id: a.id,
    name: a.name,
    availability_zone: a.metadata.availability_zone ?? null,
    created_at: naiveIsoTime(a.created_at),
    updated_at: naiveIsoTime(a.updated_at),
    deleted_at: naiveIsoTime(a.deleted_at),
    deleted: false,
  };
}

function view(a: AggregateRecord) {
  return { ...created(a), hosts: a.hosts, metadata: a.metadata };
}

export function aggregatesResource(deps: { aggregates: AggregateAPI }): ResourceModule {
  const { aggregates } = deps;
  return defineResource('os-aggregates', (r) => {
    r.route({
      method: 'GET',
      path: '/os-aggregates',
      handler: async (req) => {
        req.authorize('compute_extension:aggregates');
        return { aggregates: (await aggregates.list(req.ctx)).map(view) };
      },
    });
    r.route({
      method: 'POST',
      path: '/os-aggregates',
      body: createBody,
      handler: async (req) => {
        req.authorize('compute_extension:aggregates');
        const { name, availability_zone } = req.body.aggregate;
        return { aggregate: created(await aggregates.create(req.ctx, name, availability_zone ?? null)) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-aggregates/:id',
      handler: async (req) => {
        req.authorize('compute_extension:aggregates');
        return { aggregate: view(await aggregates.get(req.ctx, aggregateId(req.params.id))) };
      },
    });
    r.route({
      method: 'PUT',
      path: '/os-aggregates/:id',
      body: updateBody,
      handler: async (req) => {
        req.authorize('compute_extension:aggregates');
        const { name, availability_zone } = req.body.aggregate;
        const values = { ...(name !== undefined ? { name } : {}), ...(availability_zone !== undefined ? { availability_zone } : {}) };
        return { aggregate: view(await aggregates.update(req.ctx, aggregateId(req.params.id), values)) };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/os-aggregates/:id',
      handler: async (req) => {
        req.authorize('compute_extension:aggregates');
        await aggregates.delete(req.ctx, aggregateId(req.params.id));
        return undefined;
      },
    });
    for (const action of ['add_host', 'remove_host'] as const) {
      r.action({
        path: '/os-aggregates/:id/action',
        action,
        body: hostBody(action),
        successStatus: 200,
        handler: async (req) => {
          req.authorize('compute_extension:aggregates');
          const id = aggregateId(req.params.id);
          const host = (req.body as Record<string, { host: string }>)[action]?.host as string;
          const result =
            action === 'add_host' ? await aggregates.addHost(req.ctx, id, host) : await aggregates.removeHost(req.ctx, id, host);
          return { aggregate: view(result) };
        },
      });
    }
    r.action({
      path: '/os-aggregates/:id/action',
      action: 'set_metadata',
      body: metadataBody,
      successStatus: 200,
      handler: async (req) => {
        req.authorize('compute_extension:aggregates');
        const id = aggregateId(req.params.id);
        return { aggregate: view(await aggregates.setMetadata(req.ctx, id, req.body.set_metadata.metadata)) };
      },
    });
  });
}
