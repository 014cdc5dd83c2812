/**
 * The service catalog, built from configuration rather than stored: nova-all knows the
 * URLs it serves, and an operator with a different layout sets them in `[identity]`.
 */
import { stableId } from './ids.js';

export type EndpointInterface = 'public' | 'internal' | 'admin';

export const INTERFACES: readonly EndpointInterface[] = ['public', 'internal', 'admin'];

export interface CatalogServiceSpec {
  type: string;
  name: string;
  /** One URL for every interface, or one per interface. */
  url: string | Partial<Record<EndpointInterface, string>>;
}

export interface CatalogEndpoint {
  id: string;
  interface: EndpointInterface;
  region: string;
  region_id: string;
  url: string;
}

export interface CatalogService {
  id: string;
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}

export interface CatalogUrls {
  identity: string;
  compute: string;
  image: string;
  /** Left out of the catalog while nova-ts serves no EC2 API. */
  ec2?: string | null;
}

export function defaultCatalogUrls(host: string, identityPort = 5000): CatalogUrls {
  return {
    identity: `http://${host}:${identityPort}/v3`,
    compute: `http://${host}:8774/v2.1`,
    image: `http://${host}:9292`,
  };
}

/** The usual service names and types for the URLs nova-ts serves. */
export function catalogSpecs(urls: CatalogUrls): CatalogServiceSpec[] {
  const specs: CatalogServiceSpec[] = [
    { type: 'identity', name: 'keystone', url: urls.identity },
    { type: 'compute', name: 'nova', url: urls.compute },
    { type: 'image', name: 'glance', url: urls.image },
  ];
  if (urls.ec2) specs.push({ type: 'ec2', name: 'ec2', url: urls.ec2 });
  return specs;
}

export function buildCatalog(specs: readonly CatalogServiceSpec[], region: string): CatalogService[] {
  return specs.map((spec) => {
    const serviceId = stableId('service', spec.type, spec.name);
    const endpoints: CatalogEndpoint[] = [];
    for (const iface of INTERFACES) {
      const url = typeof spec.url === 'string' ? spec.url : spec.url[iface];
      if (url === undefined) continue;
      endpoints.push({ id: stableId('endpoint', serviceId, iface, region), interface: iface, region, region_id: region, url });
    }
    return { id: serviceId, type: spec.type, name: spec.name, endpoints };
  });
}
