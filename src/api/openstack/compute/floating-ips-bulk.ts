/**
 * `os-floating-ips-bulk` (contrib/floating_ips_bulk.py), admin:
 * every floating IP (or a host's), and whole ranges created or deleted at once.
 */
import { Type } from 'typebox';
import { NotFound } from '../../../common/errors.js';
import type { FloatingIpView, NetworkAPI } from '../../../network/api.js';
import { defineResource, type ResourceModule } from '../routing.js';
import { PROXY_MAX_VERSION } from './floating-ips.js';

const RULE = 'compute_extension:floating_ips_bulk';

function bulkView(f: FloatingIpView): Record<string, unknown> {
  return {
    address: f.address,
    pool: f.pool,
    interface: f.interface,
    project_id: f.project_id,
    instance_uuid: f.instance_uuid,
    fixed_ip: f.fixed_address,
  };
}

const name = Type.String({ minLength: 1, maxLength: 255 });

const CreateBody = Type.Object(
  {
    floating_ips_bulk_create: Type.Object(
      { ip_range: Type.String({ minLength: 1, maxLength: 255 }), pool: Type.Optional(name), interface: Type.Optional(name) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const DeleteBody = Type.Object({ ip_range: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });

export function floatingIpsBulkResource(
  network: Pick<NetworkAPI, 'getAllFloatingIps' | 'createFloatingIps' | 'deleteFloatingIps'>,
): ResourceModule {
  return defineResource('os-floating-ips-bulk', (r) => {
    r.route({
      method: 'GET',
      path: '/os-floating-ips-bulk',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        return { floating_ip_info: (await network.getAllFloatingIps(req.ctx)).map(bulkView) };
      },
    });

    r.route({
      method: 'GET',
      path: '/os-floating-ips-bulk/:host',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        return { floating_ip_info: (await network.getAllFloatingIps(req.ctx, req.params.host as string)).map(bulkView) };
      },
    });

    r.route({
      method: 'POST',
      path: '/os-floating-ips-bulk',
      maxVersion: PROXY_MAX_VERSION,
      body: CreateBody,
      handler: async (req) => {
        req.authorize(RULE);
        const params = req.body.floating_ips_bulk_create;
        const created = await network.createFloatingIps(req.ctx, {
          ip_range: params.ip_range,
          pool: params.pool ?? null,
          interface: params.interface ?? null,
        });
        return { floating_ips_bulk_create: created };
      },
    });

    r.route({
      method: 'PUT',
      path: '/os-floating-ips-bulk/:id',
      maxVersion: PROXY_MAX_VERSION,
      body: DeleteBody,
      handler: async (req) => {
        req.authorize(RULE);
        if (req.params.id !== 'delete') throw new NotFound('Unknown action');
        await network.deleteFloatingIps(req.ctx, req.body.ip_range);
        return { floating_ips_bulk_delete: req.body.ip_range };
      },
    });
  });
}
