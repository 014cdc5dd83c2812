/**
 * DNS on the network host (Grizzly's FloatingIP mixin DNS methods):
 * domains registered in `dns_domains` with their scope, floating IP entries through the
 * `floating_ip_dns_manager` driver, instance entries (display name and uuid → fixed IP) in
 * `instance_dns_domain` through the `instance_dns_manager` driver.
 */
import { InvalidInput, NotFound } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { dnsDomainGet, dnsDomainList, dnsDomainRegister, dnsDomainUnregister } from '../db/api/dns-domains.js';
import type { DnsDriver } from './dns/driver.js';
import { loadDnsDriver } from './dns/factory.js';
import { floatingIpOpts } from './opts.js';

const log = getLogger('nova.network.dns');

/** A domain as os-floating-ip-dns shows it. */
export interface DnsDomainView {
  domain: string;
  scope: 'private' | 'public';
  availability_zone?: string | null;
  project?: string | null;
}

export class DnsEntries {
  readonly floatingDriver: DnsDriver;
  readonly instanceDriver: DnsDriver;
  readonly #db: Db;
  readonly #conf: Config;

  constructor(db: Db, conf: Config, drivers: { floating?: DnsDriver; instance?: DnsDriver } = {}) {
    this.#db = db;
    this.#conf = conf;
    const o = conf.get(floatingIpOpts);
    this.floatingDriver = drivers.floating ?? loadDnsDriver(conf, o.floating_ip_dns_manager);
    this.instanceDriver =
      drivers.instance ??
      (o.instance_dns_manager === o.floating_ip_dns_manager && !drivers.floating
        ? this.floatingDriver
        : loadDnsDriver(conf, o.instance_dns_manager));
  }

  /** Registered domains that one of the drivers knows. */
  async domains(ctx: RequestContext): Promise<DnsDomainView[]> {
    const known = new Set([...(await this.floatingDriver.getDomains()), ...(await this.instanceDriver.getDomains())]);
    return (await dnsDomainList(this.#db, ctx))
      .filter((d) => known.has(d.domain))
      .map((d) =>
        d.scope === 'private'
          ? { domain: d.domain, scope: 'private', availability_zone: d.availability_zone }
          : { domain: d.domain, scope: 'public', project: d.project_id },
      );
  }

  async createPrivateDomain(ctx: RequestContext, domain: string, availabilityZone: string | null): Promise<void> {
    await dnsDomainRegister(this.#db, ctx, { domain, scope: 'private', availability_zone: availabilityZone });
    await this.#createDomain(this.instanceDriver, domain);
  }

  async createPublicDomain(ctx: RequestContext, domain: string, project: string | null): Promise<void> {
    await dnsDomainRegister(this.#db, ctx, { domain, scope: 'public', project_id: project });
    await this.#createDomain(this.floatingDriver, domain);
  }

  async #createDomain(driver: DnsDriver, domain: string): Promise<void> {
    if ((await driver.getDomains()).includes(domain)) return;
    await driver.createDomain(domain);
  }

  /** NotFound when the domain is not registered. */
  async deleteDomain(ctx: RequestContext, domain: string): Promise<void> {
    const row = await dnsDomainGet(this.#db, ctx, domain);
    if (!row) throw new NotFound(`Domain ${domain} not found.`);
    await dnsDomainUnregister(this.#db, ctx, domain);
    const driver = row.scope === 'private' ? this.instanceDriver : this.floatingDriver;
    if ((await driver.getDomains()).includes(domain)) await driver.deleteDomain(domain);
  }

  addEntry(address: string, name: string, type: string, domain: string): Promise<void> {
    return this.floatingDriver.createEntry(name, address, type, domain);
  }

  modifyEntry(address: string, name: string, domain: string): Promise<void> {
    return this.floatingDriver.modifyAddress(name, address, domain);
  }

  deleteEntry(name: string, domain: string): Promise<void> {
    return this.floatingDriver.deleteEntry(name, domain);
  }

  entriesByAddress(address: string, domain: string): Promise<string[]> {
    return this.floatingDriver.getEntriesByAddress(address, domain);
  }

  entriesByName(name: string, domain: string): Promise<string[]> {
    return this.floatingDriver.getEntriesByName(name, domain);
  }

  /** A released floating IP keeps no name in any domain. */
  async deleteFloatingEntries(address: string): Promise<void> {
    for (const domain of await this.floatingDriver.getDomains()) {
      for (const name of await this.floatingDriver.getEntriesByAddress(address, domain)) {
        await this.floatingDriver
          .deleteEntry(name, domain)
          .catch((err: unknown) => log.warn({ err, name, domain }, 'could not delete a DNS entry'));
      }
    }
  }

  /**
   * An instance's new fixed IP gets two A records in instance_dns_domain: its display name
   * and its uuid. A domain registered for another availability zone than the instance's gets none.
   */
  async addInstanceEntries(
    ctx: RequestContext,
    instance: { uuid: string; display_name: string | null; availability_zone: string | null },
    address: string,
  ): Promise<void> {
    const domain = this.#conf.get(floatingIpOpts).instance_dns_domain;
    if (!domain) return;
    const row = await dnsDomainGet(this.#db, ctx, domain);
    if (row?.availability_zone && instance.availability_zone && row.availability_zone !== instance.availability_zone) return;
    const names = [instance.display_name, instance.uuid].filter((n): n is string => !!n && /^[A-Za-z0-9-]+$/.test(n));
    for (const name of new Set(names)) {
      try {
        await this.instanceDriver.createEntry(name, address, 'A', domain);
      } catch (err) {
        log.warn({ err, name, domain }, 'could not create an instance DNS entry');
      }
    }
  }

  async deleteInstanceEntries(address: string): Promise<void> {
    const domain = this.#conf.get(floatingIpOpts).instance_dns_domain;
    if (!domain) return;
    for (const name of await this.instanceDriver.getEntriesByAddress(address, domain)) {
      await this.instanceDriver
        .deleteEntry(name, domain)
        .catch((err: unknown) => log.warn({ err, name }, 'could not delete an instance DNS entry'));
    }
  }
}

/** Checks a domain request's scope and its scope-specific key (os-floating-ip-dns PUT). */
export function checkDomainScope(scope: unknown, project: unknown, availabilityZone: unknown): 'private' | 'public' {
  if (scope !== 'private' && scope !== 'public') throw new InvalidInput('Invalid scope: scope must be "private" or "public"');
  if (scope === 'private' && project) throw new InvalidInput('you can not pass project if the scope is private');
  if (scope === 'public' && availabilityZone) throw new InvalidInput('you can not pass av_zone if the scope is public');
  return scope;
}
