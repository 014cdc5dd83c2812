import type { DnsDriver } from './driver.js';

export const NOOP_DNS_DRIVER = 'nova.network.noop_dns_driver.NoopDNSDriver';

/** Writes nothing and knows nothing: the default, for clouds without DNS integration. */
export class NoopDnsDriver implements DnsDriver {
  readonly name = NOOP_DNS_DRIVER;
  async getDomains(): Promise<string[]> {
    return [];
  }
  async createEntry(): Promise<void> {}
  async deleteEntry(): Promise<void> {}
  async modifyAddress(): Promise<void> {}
  async getEntriesByAddress(): Promise<string[]> {
    return [];
  }
  async getEntriesByName(): Promise<string[]> {
    return [];
  }
  async createDomain(): Promise<void> {}
  async deleteDomain(): Promise<void> {}
}
