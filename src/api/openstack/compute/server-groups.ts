/** `os-server-groups`: groups of servers the scheduler keeps together or apart (v2.1, from Icehouse). */
import { Type } from 'typebox';
import { InvalidInput } from '../../../common/errors.js';
import { type InstanceGroupRecord, SERVER_GROUP_POLICIES, type ServerGroupAPI } from '../../../compute/server-groups.js';
import { registerPolicyDefaults } from '../../../policy/defaults.js';
import { queryParam } from '../common.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';
import { Name, parseBoolean } from './parameter-types.js';

registerPolicyDefaults({ 'compute_extension:server_groups': 'rule:admin_or_owner' });

const CreateBody = Type.Object(
  {
    server_group: Type.Object(
      {
        name: Name,
        policies: Type.Array(Type.Union(SERVER_GROUP_POLICIES.map((p) => Type.Literal(p))), {
          minItems: 1,
          maxItems: 1,
          uniqueItems: true,
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function view(g: InstanceGroupRecord): Record<string, unknown> {
  return { id: g.uuid, name: g.name, policies: g.policies, members: g.members, metadata: g.metadata };
}

function nonNegative(req: ComputeRequest, key: string): number | undefined {
  const raw = queryParam(req.query, key);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new InvalidInput(`${key} param must be a non-negative integer`);
  return Number.parseInt(raw, 10);
}

export function serverGroupsResource(api: ServerGroupAPI): ResourceModule {
  return defineResource('os-server-groups', (r) => {
    r.route({
      method: 'GET',
      path: '/os-server-groups',
      handler: async (req) => {
        req.authorize('compute_extension:server_groups');
        const all = queryParam(req.query, 'all_projects');
        const allProjects = all !== undefined && parseBoolean(all.trim() === '' ? 'true' : all);
        const limit = nonNegative(req, 'limit');
        const offset = nonNegative(req, 'offset');
        const groups = await api.list(req.ctx, allProjects, { ...(limit !== undefined ? { limit } : {}), ...(offset ? { offset } : {}) });
        return { server_groups: groups.map(view) };
      },
    });
    r.route({
      method: 'POST',
      path: '/os-server-groups',
      body: CreateBody,
      handler: async (req) => {
        req.authorize('compute_extension:server_groups');
        const { name, policies } = req.body.server_group;
        return { server_group: view(await api.create(req.ctx, name, policies)) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-server-groups/:group_id',
      handler: async (req) => {
        req.authorize('compute_extension:server_groups');
        return { server_group: view(await api.get(req.ctx, req.params.group_id as string)) };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/os-server-groups/:group_id',
      successStatus: 204,
      handler: async (req) => {
        req.authorize('compute_extension:server_groups');
        await api.delete(req.ctx, req.params.group_id as string);
        return undefined;
      },
    });
  });
}
