/**
 * MiniDNS (Grizzly's nova/network/minidns.py): a flat text file of records, for tests and
 * small installations. Lines are `<address>   <name.domain>   <type>` for records and
 * `domain   <fqdomain>   domain` for domains, after a `#  minidns` header.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidInput, NotFound } from '../../common/errors.js';
import { FloatingIpDNSExists } from '../../common/network-errors.js';
import type { DnsDriver } from './driver.js';

export const MINIDNS_DRIVER = 'nova.network.minidns.MiniDNS';

const SEP = '   ';

interface Line {
  address: string;
  name: string;
  type: string;
}

export class MiniDns implements DnsDriver {
  readonly name = MINIDNS_DRIVER;
  readonly file: string;

  constructor(file: string) {
    this.file = file;
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '#  minidns\n\n\n');
    }
  }

  #read(): Line[] {
    const out: Line[] = [];
    for (const raw of readFileSync(this.file, 'utf8').split('\n')) {
      const parts = raw.trim().split(/\s+/);
      if (parts.length !== 3 || raw.startsWith('#')) continue;
      out.push({ address: parts[0] as string, name: parts[1] as string, type: parts[2] as string });
    }
    return out;
  }

  #write(lines: readonly Line[]): void {
    writeFileSync(
      this.file,
      `#  minidns\n\n\n${lines.map((l) => [l.address, l.name, l.type].join(SEP)).join('\n')}${lines.length ? '\n' : ''}`,
    );
  }

  static #qualify(name: string, domain: string): string {
    return (domain ? `${name}.${domain}` : name).toLowerCase();
  }

  async getDomains(): Promise<string[]> {
    return this.#read()
      .filter((l) => l.type === 'domain')
      .map((l) => l.name);
  }

  async createEntry(name: string, address: string, type: string, domain: string): Promise<void> {
    if (type.toLowerCase() !== 'a') throw new InvalidInput('This driver only supports type A entries.');
    const qualified = MiniDns.#qualify(name, domain);
    const lines = this.#read();
    if (lines.some((l) => l.type !== 'domain' && l.name === qualified)) throw new FloatingIpDNSExists(name, domain);
    this.#write([...lines, { address, name: qualified, type: 'A' }]);
  }

  async deleteEntry(name: string, domain: string): Promise<void> {
    const qualified = MiniDns.#qualify(name, domain);
    const lines = this.#read();
    const kept = lines.filter((l) => l.type === 'domain' || l.name !== qualified);
    if (kept.length === lines.length) throw new NotFound(`Entry ${name} not found in domain ${domain}.`);
    this.#write(kept);
  }

  async modifyAddress(name: string, address: string, domain: string): Promise<void> {
    const qualified = MiniDns.#qualify(name, domain);
    const lines = this.#read();
    if (!lines.some((l) => l.type !== 'domain' && l.name === qualified)) throw new NotFound(`Entry ${name} not found in domain ${domain}.`);
    this.#write(lines.map((l) => (l.type !== 'domain' && l.name === qualified ? { ...l, address } : l)));
  }

  async getEntriesByAddress(address: string, domain: string): Promise<string[]> {
    const suffix = `.${domain.toLowerCase()}`;
    return this.#read()
      .filter((l) => l.type !== 'domain' && l.address === address && l.name.endsWith(suffix))
      .map((l) => l.name.split('.')[0] as string);
  }

  async getEntriesByName(name: string, domain: string): Promise<string[]> {
    const qualified = MiniDns.#qualify(name, domain);
    return this.#read()
      .filter((l) => l.type !== 'domain' && l.name === qualified)
      .map((l) => l.address);
  }

  async createDomain(fqdomain: string): Promise<void> {
    const lines = this.#read();
    if (lines.some((l) => l.type === 'domain' && l.name === fqdomain)) throw new FloatingIpDNSExists('', fqdomain);
    this.#write([...lines, { address: 'domain', name: fqdomain, type: 'domain' }]);
  }

  async deleteDomain(fqdomain: string): Promise<void> {
    const lines = this.#read();
    const suffix = `.${fqdomain.toLowerCase()}`;
    const kept = lines.filter((l) => !(l.type === 'domain' ? l.name === fqdomain : l.name.endsWith(suffix)));
    if (!lines.some((l) => l.type === 'domain' && l.name === fqdomain)) throw new NotFound(`Domain ${fqdomain} not found.`);
    this.#write(kept);
  }
}
