/** Read-only views of the configured catalog: services, endpoints, regions. */
import type { FastifyInstance } from 'fastify';
import { IdentityNotFound } from '../errors.js';
import { enforce } from '../policy.js';
import type { IdentityService } from '../service.js';
import { baseUrl, callerToken, collectionLinksFor, params, query } from './common.js';

export function registerCatalogRoutes(app: FastifyInstance, service: IdentityService): void {
  const serviceView = (base: string, s: (typeof service.catalog)[number]) => ({
    id: s.id,
    type: s.type,
    name: s.name,
    enabled: true,
    description: '',
    links: { self: `${base}/v3/services/${s.id}` },
  });
  const endpoints = () => service.catalog.flatMap((s) => s.endpoints.map((e) => ({ ...e, service_id: s.id, enabled: true })));
  const regions = () => [...new Set(service.catalog.flatMap((s) => s.endpoints.map((e) => e.region)))];
  const regionView = (base: string, id: string) => ({
    id,
    description: '',
    parent_region_id: null,
    links: { self: `${base}/v3/regions/${id}` },
  });

  app.get('/v3/services', async (req) => {
    enforce(await callerToken(service, req), 'identity:list_services');
    const q = query(req);
    const services = service.catalog.filter((s) => q.type === undefined || s.type === q.type);
    return { services: services.map((s) => serviceView(baseUrl(req), s)), links: collectionLinksFor(req, '/v3/services') };
  });
  app.get('/v3/services/:id', async (req) => {
    enforce(await callerToken(service, req), 'identity:get_service');
    const id = params(req).id as string;
    const found = service.catalog.find((s) => s.id === id);
    if (!found) throw new IdentityNotFound('service', id);
    return { service: serviceView(baseUrl(req), found) };
  });
  app.get('/v3/endpoints', async (req) => {
    enforce(await callerToken(service, req), 'identity:list_endpoints');
    const q = query(req);
    const list = endpoints().filter(
      (e) =>
        (q.service_id === undefined || e.service_id === q.service_id) &&
        (q.interface === undefined || e.interface === q.interface) &&
        (q.region_id === undefined || e.region_id === q.region_id),
    );
    return {
      endpoints: list.map((e) => ({ ...e, links: { self: `${baseUrl(req)}/v3/endpoints/${e.id}` } })),
      links: collectionLinksFor(req, '/v3/endpoints'),
    };
  });
  app.get('/v3/endpoints/:id', async (req) => {
    enforce(await callerToken(service, req), 'identity:get_endpoint');
    const id = params(req).id as string;
    const found = endpoints().find((e) => e.id === id);
    if (!found) throw new IdentityNotFound('endpoint', id);
    return { endpoint: { ...found, links: { self: `${baseUrl(req)}/v3/endpoints/${id}` } } };
  });
  app.get('/v3/regions', async (req) => {
    enforce(await callerToken(service, req), 'identity:list_regions');
    return { regions: regions().map((r) => regionView(baseUrl(req), r)), links: collectionLinksFor(req, '/v3/regions') };
  });
  app.get('/v3/regions/:id', async (req) => {
    enforce(await callerToken(service, req), 'identity:get_region');
    const id = params(req).id as string;
    if (!regions().includes(id)) throw new IdentityNotFound('region', id);
    return { region: regionView(baseUrl(req), id) };
  });
}
