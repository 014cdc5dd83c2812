/** `/servers/{id}/metadata[/{key}]`: every route of nova/api/openstack/compute/server_metadata.py. */
import { Type } from 'typebox';
import { BadRequest } from '../../../common/errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { MetadataItemNotFound } from '../../../compute/api/metadata.js';
import { defineResource, type ResourceModule } from '../routing.js';
import { metadata } from './parameter-types.js';

const AllBody = Type.Object({ metadata: metadata() }, { additionalProperties: false });
const ItemBody = Type.Object({ meta: metadata({ minProperties: 1, maxProperties: 1 }) }, { additionalProperties: false });

export function serverMetadataResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('server-metadata', (r) => {
    r.route({
      method: 'GET',
      path: '/servers/:server_id/metadata',
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        return { metadata: await compute.getInstanceMetadata(req.ctx, instance) };
      },
    });
    for (const [method, replace] of [
      ['POST', false],
      ['PUT', true],
    ] as const) {
      r.route({
        method,
        path: '/servers/:server_id/metadata',
        body: AllBody,
        handler: async (req) => {
          const instance = await compute.get(req.ctx, req.params.server_id as string);
          return { metadata: await compute.updateInstanceMetadata(req.ctx, instance, req.body.metadata, replace) };
        },
      });
    }
    r.route({
      method: 'GET',
      path: '/servers/:server_id/metadata/:key',
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const key = req.params.key as string;
        const metadata = await compute.getInstanceMetadata(req.ctx, instance);
        if (!(key in metadata)) throw new MetadataItemNotFound();
        return { meta: { [key]: metadata[key] } };
      },
    });
    r.route({
      method: 'PUT',
      path: '/servers/:server_id/metadata/:key',
      body: ItemBody,
      handler: async (req) => {
        const key = req.params.key as string;
        const meta = req.body.meta;
        if (!(key in meta)) throw new BadRequest('Request body and URI mismatch');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await compute.updateInstanceMetadata(req.ctx, instance, { [key]: meta[key] as string }, false);
        return { meta: { [key]: meta[key] } };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/servers/:server_id/metadata/:key',
      successStatus: 204,
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await compute.deleteInstanceMetadata(req.ctx, instance, req.params.key as string);
        return undefined;
      },
    });
  });
}
