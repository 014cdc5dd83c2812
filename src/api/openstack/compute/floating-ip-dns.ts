/**
 * `os-floating-ip-dns` (contrib/floating_ip_dns.py): DNS
 * domains (private ones tied to an availability zone, public ones to a project) and the A
 * records in them, through nova-network's floating IP DNS driver. Served up to 2.35.
 */
import { Type } from 'typebox';
import { InvalidInput, NotFound } from '../../../common/errors.js';
import { parseIp } from '../../../common/ipaddr.js';
import type { NetworkAPI } from '../../../network/api.js';
import { checkDomainScope } from '../../../network/dns-entries.js';
import { defineResource, type ResourceModule } from '../routing.js';
import { PROXY_MAX_VERSION } from './floating-ips.js';

const RULE = 'compute_extension:floating_ip_dns';

type DnsBackend = Pick<
  NetworkAPI,
  | 'getDnsDomains'
  | 'createPrivateDnsDomain'
  | 'createPublicDnsDomain'
  | 'deleteDnsDomain'
  | 'addDnsEntry'
  | 'modifyDnsEntry'
  | 'deleteDnsEntry'
  | 'getDnsEntriesByAddress'
  | 'getDnsEntriesByName'
>;

function entryView(ip: string, name: string, domain: string): Record<string, unknown> {
  return { ip, id: null, name, type: 'A', domain };
}

const text = Type.String({ minLength: 1, maxLength: 255 });

const DomainBody = Type.Object(
  {
    domain_entry: Type.Object(
      {
        scope: Type.Unknown(),
        project: Type.Optional(Type.Union([text, Type.Null()])),
        availability_zone: Type.Optional(Type.Union([text, Type.Null()])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const EntryBody = Type.Object(
  { dns_entry: Type.Object({ ip: text, dns_type: text }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export function floatingIpDnsResource(network: DnsBackend): ResourceModule {
  return defineResource('os-floating-ip-dns', (r) => {
    r.route({
      method: 'GET',
      path: '/os-floating-ip-dns',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        const domains = await network.getDnsDomains(req.ctx);
        return {
          domain_entries: domains.map((d) => ({
            domain: d.domain,
            scope: d.scope,
            project: d.project ?? null,
            availability_zone: d.availability_zone ?? null,
          })),
        };
      },
    });

    r.route({
      method: 'PUT',
      path: '/os-floating-ip-dns/:domain',
      maxVersion: PROXY_MAX_VERSION,
      body: DomainBody,
      handler: async (req) => {
        req.authorize(RULE);
        const domain = req.params.domain as string;
        const body = req.body.domain_entry;
        const scope = checkDomainScope(body.scope, body.project, body.availability_zone);
        if (scope === 'private') {
          await network.createPrivateDnsDomain(req.ctx, domain, body.availability_zone ?? null);
          return { domain_entry: { domain, scope, availability_zone: body.availability_zone ?? null } };
        }
        await network.createPublicDnsDomain(req.ctx, domain, body.project ?? null);
        return { domain_entry: { domain, scope, project: body.project ?? null } };
      },
    });

    r.route({
      method: 'DELETE',
      path: '/os-floating-ip-dns/:domain',
      maxVersion: PROXY_MAX_VERSION,
      successStatus: 202,
      handler: async (req) => {
        req.authorize(RULE);
        await network.deleteDnsDomain(req.ctx, req.params.domain as string);
        return undefined;
      },
    });

    r.route({
      method: 'GET',
      path: '/os-floating-ip-dns/:domain/entries/:entry',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        const domain = req.params.domain as string;
        const entry = req.params.entry as string;
        if (parseIp(entry)) {
          const names = await network.getDnsEntriesByAddress(req.ctx, entry, domain);
          if (names.length === 0) throw new NotFound(`No DNS entry for ${entry} in domain ${domain}.`);
          return { dns_entries: names.map((name) => entryView(entry, name, domain)) };
        }
        const addresses = await network.getDnsEntriesByName(req.ctx, entry, domain);
        if (addresses.length === 0) throw new NotFound(`DNS entry ${entry} not found in domain ${domain}.`);
        return { dns_entry: entryView(addresses[0] as string, entry, domain) };
      },
    });

    r.route({
      method: 'PUT',
      path: '/os-floating-ip-dns/:domain/entries/:name',
      maxVersion: PROXY_MAX_VERSION,
      body: EntryBody,
      handler: async (req) => {
        req.authorize(RULE);
        const domain = req.params.domain as string;
        const name = req.params.name as string;
        const { ip, dns_type: dnsType } = req.body.dns_entry;
        if (!parseIp(ip)) throw new InvalidInput(`${ip} is not a valid IP address.`);
        const existing = await network.getDnsEntriesByName(req.ctx, name, domain);
        if (existing.length === 0) await network.addDnsEntry(req.ctx, ip, name, dnsType, domain);
        else await network.modifyDnsEntry(req.ctx, ip, name, domain);
        return { dns_entry: { ip, name, type: dnsType, domain } };
      },
    });

    r.route({
      method: 'DELETE',
      path: '/os-floating-ip-dns/:domain/entries/:name',
      maxVersion: PROXY_MAX_VERSION,
      successStatus: 202,
      handler: async (req) => {
        req.authorize(RULE);
        await network.deleteDnsEntry(req.ctx, req.params.name as string, req.params.domain as string);
        return undefined;
      },
    });
  });
}
