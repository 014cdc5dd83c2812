/**
 * `os-hosts`: the hosts of enabled services, a compute host's resources per project, and
 * the driver's host switches: enable/disable, maintenance mode, startup/shutdown/reboot.
 */
import { Type } from 'typebox';
import type { HostAPI, HostPowerAction } from '../../../compute/operators/hosts.js';
import { queryParam } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';

const SWITCH = Type.Union([Type.Literal('enable'), Type.Literal('disable')]);
const updateBody = Type.Object(
  { status: Type.Optional(SWITCH), maintenance_mode: Type.Optional(SWITCH) },
  { additionalProperties: false, minProperties: 1 },
);

export function hostsResource(deps: { hosts: HostAPI }): ResourceModule {
  const { hosts } = deps;
  return defineResource('os-hosts', (r) => {
    r.route({
      method: 'GET',
      path: '/os-hosts',
      handler: async (req) => {
        req.authorize('compute_extension:hosts');
        return { hosts: await hosts.list(req.ctx, queryParam(req.query, 'zone')) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-hosts/:host',
      handler: async (req) => {
        req.authorize('compute_extension:hosts');
        return { host: (await hosts.describe(req.ctx, req.params.host as string)).map((resource) => ({ resource })) };
      },
    });
    r.route({
      method: 'PUT',
      path: '/os-hosts/:host',
      body: updateBody,
      handler: async (req) => {
        req.authorize('compute_extension:hosts');
        const host = req.params.host as string;
        const result: Record<string, string> = { host };
        if (req.body.status) result.status = await hosts.setEnabled(req.ctx, host, req.body.status === 'enable');
        if (req.body.maintenance_mode) {
          result.maintenance_mode = await hosts.setMaintenance(req.ctx, host, req.body.maintenance_mode === 'enable');
        }
        return result;
      },
    });
    for (const action of ['startup', 'shutdown', 'reboot'] as const satisfies readonly HostPowerAction[]) {
      r.route({
        method: 'GET',
        path: `/os-hosts/:host/${action}`,
        handler: async (req) => {
          req.authorize('compute_extension:hosts');
          const host = req.params.host as string;
          return { host, power_action: await hosts.powerAction(req.ctx, host, action) };
        },
      });
    }
  });
}
