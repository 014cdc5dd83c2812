/**
 * DNS drivers (Grizzly's nova/network/dns_driver.py): where nova-network
 * writes A records for floating IPs (`floating_ip_dns_manager`) and instances
 * (`instance_dns_manager`). Names are unqualified; domains are fully qualified.
 */
export interface DnsDriver {
  readonly name: string;
  getDomains(): Promise<string[]>;
  /** FloatingIpDNSExists when the name is taken in the domain; only type A is accepted. */
  createEntry(name: string, address: string, type: string, domain: string): Promise<void>;
  /** NotFound when there is no such entry. */
  deleteEntry(name: string, domain: string): Promise<void>;
  modifyAddress(name: string, address: string, domain: string): Promise<void>;
  /** The names (first labels) that point at the address within the domain. */
  getEntriesByAddress(address: string, domain: string): Promise<string[]>;
  /** The addresses a name points at. */
  getEntriesByName(name: string, domain: string): Promise<string[]>;
  createDomain(fqdomain: string): Promise<void>;
  deleteDomain(fqdomain: string): Promise<void>;
}
