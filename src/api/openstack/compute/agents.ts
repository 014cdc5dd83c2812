/** `os-agents`: guest agent builds per hypervisor, OS and architecture (`nova agent-*`). */
import { Type } from 'typebox';
import type { AgentAPI, AgentBuild } from '../../../compute/operators/agents.js';
import { queryParam } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';

const FIELD = Type.String({ minLength: 1, maxLength: 255, pattern: '^\\S(.*\\S)?$' });
const createBody = Type.Object(
  {
    agent: Type.Object(
      { hypervisor: FIELD, os: FIELD, architecture: FIELD, version: FIELD, url: FIELD, md5hash: FIELD },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const updateBody = Type.Object(
  { para: Type.Object({ url: FIELD, md5hash: FIELD, version: FIELD }, { additionalProperties: false }) },
  { additionalProperties: false },
);

function view(a: AgentBuild) {
  return {
    agent_id: a.id,
    hypervisor: a.hypervisor,
    os: a.os,
    architecture: a.architecture,
    version: a.version,
    url: a.url,
    md5hash: a.md5hash,
  };
}

export function agentsResource(deps: { agents: AgentAPI }): ResourceModule {
  const { agents } = deps;
  return defineResource('os-agents', (r) => {
    r.route({
      method: 'GET',
      path: '/os-agents',
      handler: async (req) => {
        req.authorize('compute_extension:agents');
        return { agents: (await agents.list(req.ctx, queryParam(req.query, 'hypervisor'))).map(view) };
      },
    });
    r.route({
      method: 'POST',
      path: '/os-agents',
      body: createBody,
      handler: async (req) => {
        req.authorize('compute_extension:agents');
        return { agent: view(await agents.create(req.ctx, req.body.agent)) };
      },
    });
    r.route({
      method: 'PUT',
      path: '/os-agents/:id',
      body: updateBody,
      handler: async (req) => {
        req.authorize('compute_extension:agents');
        const updated = await agents.update(req.ctx, req.params.id as string, req.body.para);
        return { agent: { agent_id: updated.id, url: updated.url, md5hash: updated.md5hash, version: updated.version } };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/os-agents/:id',
      handler: async (req) => {
        req.authorize('compute_extension:agents');
        await agents.delete(req.ctx, req.params.id as string);
        return undefined;
      },
    });
  });
}
