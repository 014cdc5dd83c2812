/**
 * `os-cloudpipe` and `os-cloudpipe-update`: the per-project VPN instances (list, launch
 * one for a project) and a project's VPN address and port (`configure-project`), as
 * Grizzly's contrib/cloudpipe.py and cloudpipe_update.py answer them.
 */
import { Type } from 'typebox';
import type { CloudpipeAPI } from '../../../cloudpipe/api.js';
import { BadRequest } from '../../../common/errors.js';
import { defineResource, type ResourceModule } from '../routing.js';

const ProjectId = Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9_-]+$' });

const CreateBody = Type.Object(
  { cloudpipe: Type.Object({ project_id: Type.Optional(ProjectId) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

const ConfigureBody = Type.Object(
  {
    configure_project: Type.Object(
      {
        vpn_ip: Type.String({ minLength: 1, maxLength: 45 }),
        vpn_port: Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.String({ pattern: '^[0-9]{1,5}$' })]),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export function cloudpipeResource(api: Pick<CloudpipeAPI, 'list' | 'create' | 'configureProject'>): ResourceModule {
  return defineResource('os-cloudpipe', (r) => {
    r.route({
      method: 'GET',
      path: '/os-cloudpipe',
      handler: async (req) => {
        req.authorize('compute_extension:cloudpipe');
        return { cloudpipes: await api.list(req.ctx) };
      },
    });
    r.route({
      method: 'POST',
      path: '/os-cloudpipe',
      body: CreateBody,
      handler: async (req) => {
        req.authorize('compute_extension:cloudpipe');
        const projectId = req.body.cloudpipe.project_id ?? req.ctx.projectId;
        if (!projectId) throw new BadRequest('A project_id is required: this request has no project.');
        const { instanceId } = await api.create(req.ctx, projectId);
        return { instance_id: instanceId };
      },
    });
    r.route({
      method: 'PUT',
      path: '/os-cloudpipe/:id',
      body: ConfigureBody,
      successStatus: 202,
      handler: async (req) => {
        req.authorize('compute_extension:cloudpipe_update');
        if (req.params.id !== 'configure-project') throw new BadRequest('Unknown action');
        const projectId = req.ctx.projectId;
        if (!projectId) throw new BadRequest("configure-project sets the VPN of the caller's project: this request has none.");
        const { vpn_ip: ip, vpn_port: port } = req.body.configure_project;
        await api.configureProject(req.ctx, projectId, ip, port);
        return undefined;
      },
    });
  });
}
