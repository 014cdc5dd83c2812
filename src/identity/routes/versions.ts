import type { FastifyInstance, FastifyRequest } from 'fastify';
import { baseUrl } from './common.js';

/** The newest v3 minor version whose behaviour clients may assume of this subset. */
export const IDENTITY_API_VERSION = 'v3.14';
const UPDATED = '2020-04-07T00:00:00Z';

function v3Version(req: FastifyRequest): Record<string, unknown> {
  return {
    id: IDENTITY_API_VERSION,
    status: 'stable',
    updated: UPDATED,
    links: [{ rel: 'self', href: `${baseUrl(req)}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Version discovery as keystoneauth reads it: `/` lists versions (300), `/v3` describes v3. */
export function registerVersionRoutes(app: FastifyInstance): void {
  app.get('/', async (req, reply) => {
    reply.code(300);
    return { versions: { values: [v3Version(req)] } };
  });
  app.get('/v3', async (req) => ({ version: v3Version(req) }));
  app.get('/v3/', async (req) => ({ version: v3Version(req) }));
}
