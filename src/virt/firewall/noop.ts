/**
 * No host filtering at all (nova.virt.firewall.NoopFirewallDriver): for drivers whose guests
 * are not real, or deployments where something else filters.
 */
import type { FirewallDriver } from './types.js';

export const NOOP_FIREWALL_DRIVER = 'nova.virt.firewall.NoopFirewallDriver';

export class NoopFirewallDriver implements FirewallDriver {
  readonly name = NOOP_FIREWALL_DRIVER;
  async setupBasicFiltering(): Promise<void> {}
  async prepareInstanceFilter(): Promise<void> {}
  async applyInstanceFilter(): Promise<void> {}
  async unfilterInstance(): Promise<void> {}
  filterDeferApplyOn(): void {}
  async filterDeferApplyOff(): Promise<void> {}
  async refreshSecurityGroupRules(): Promise<void> {}
  async refreshSecurityGroupMembers(): Promise<void> {}
  async refreshInstanceSecurityRules(): Promise<void> {}
  async refreshProviderFwRules(): Promise<void> {}
  /** Nothing to wait for, so the filter always "exists" (Grizzly answers True too). */
  async instanceFilterExists(): Promise<boolean> {
    return true;
  }
}
