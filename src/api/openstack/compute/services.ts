/**
 * `os-services`: every Nova service with its zone, status and liveness; enabling and
 * disabling one (with a reason since Havana's disable-log-reason, which
 * `openstack compute service set --disable-reason` sends).
 */
import { Type } from 'typebox';
import { NotFound } from '../../../common/errors.js';
import type { ServiceAPI, ServiceView } from '../../../compute/operators/services.js';
import { naiveIsoTime, queryParam } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';

const NAME = Type.String({ minLength: 1, maxLength: 255 });
const toggleBody = Type.Object({ host: NAME, binary: NAME }, { additionalProperties: false });
const reasonBody = Type.Object(
  { host: NAME, binary: NAME, disabled_reason: Type.String({ minLength: 1, maxLength: 255 }) },
  { additionalProperties: false },
);

function view({ service, zone, up }: ServiceView) {
  return {
    id: service.id,
    binary: service.binary,
    host: service.host,
    zone,
    status: service.disabled ? 'disabled' : 'enabled',
    state: up ? 'up' : 'down',
    updated_at: naiveIsoTime(service.updated_at),
    disabled_reason: service.disabled_reason ?? null,
  };
}

export function servicesResource(deps: { services: ServiceAPI }): ResourceModule {
  const { services } = deps;
  return defineResource('os-services', (r) => {
    r.route({
      method: 'GET',
      path: '/os-services',
      handler: async (req) => {
        req.authorize('compute_extension:services');
        const host = queryParam(req.query, 'host');
        // Grizzly named the binary filter `service`; today's clients send `binary`.
        const binary = queryParam(req.query, 'binary') ?? queryParam(req.query, 'service');
        return { services: (await services.list(req.ctx, { host, binary })).map(view) };
      },
    });
    for (const [path, disabled] of [
      ['enable', false],
      ['disable', true],
    ] as const) {
      r.route({
        method: 'PUT',
        path: `/os-services/${path}`,
        body: toggleBody,
        handler: async (req) => {
          req.authorize('compute_extension:services');
          const { host, binary } = req.body;
          await services.setDisabled(req.ctx, host, binary, disabled);
          return { service: { host, binary, status: disabled ? 'disabled' : 'enabled' } };
        },
      });
    }
    r.route({
      method: 'PUT',
      path: '/os-services/disable-log-reason',
      body: reasonBody,
      handler: async (req) => {
        req.authorize('compute_extension:services');
        const { host, binary, disabled_reason } = req.body;
        await services.setDisabled(req.ctx, host, binary, true, disabled_reason);
        return { service: { host, binary, status: 'disabled', disabled_reason } };
      },
    });
    r.route({
      method: 'PUT',
      path: '/os-services/:id',
      handler: async (req) => {
        req.authorize('compute_extension:services');
        throw new NotFound('Unknown action');
      },
    });
  });
}
