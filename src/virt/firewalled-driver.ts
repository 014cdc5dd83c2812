import { BaseComputeDriver } from './driver.js';
import type { FirewallDriver, FirewallInstance } from './firewall/types.js';
import type { NetworkInfo } from './network-model.js';
import type { VirtInstance } from './types.js';

/** The firewall's view of an instance: its chain is named by the database id (recovered from the name when absent). */
export function firewallInstance(instance: VirtInstance): FirewallInstance {
  const fromName = /([0-9a-f]+)$/i.exec(instance.name)?.[1];
  return { id: instance.id ?? (fromName ? Number.parseInt(fromName, 16) : 0), uuid: instance.uuid, name: instance.name };
}

/**
 * What the real drivers share as Grizzly's libvirt driver does: security groups handed to
 * the firewall driver (iptables, or none), and aggregates that mean nothing to the host.
 */
export abstract class FirewalledDriver extends BaseComputeDriver {
  protected abstract get firewall(): FirewallDriver;

  override async ensureFilteringRulesForInstance(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    const fw = firewallInstance(instance);
    await this.firewall.setupBasicFiltering(fw, networkInfo);
    await this.firewall.prepareInstanceFilter(fw, networkInfo);
    await this.firewall.applyInstanceFilter(fw, networkInfo);
  }

  override async unfilterInstance(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    await this.firewall.unfilterInstance(firewallInstance(instance), networkInfo);
  }

  override async filterDeferApplyOn(): Promise<void> {
    this.firewall.filterDeferApplyOn();
  }

  override async filterDeferApplyOff(): Promise<void> {
    await this.firewall.filterDeferApplyOff();
  }

  override async refreshSecurityGroupRules(securityGroupId: number | string): Promise<boolean> {
    await this.firewall.refreshSecurityGroupRules(securityGroupId);
    return true;
  }

  override async refreshSecurityGroupMembers(securityGroupId: number | string): Promise<boolean> {
    await this.firewall.refreshSecurityGroupMembers(securityGroupId);
    return true;
  }

  override async refreshInstanceSecurityRules(instance: VirtInstance): Promise<boolean> {
    await this.firewall.refreshInstanceSecurityRules(firewallInstance(instance));
    return true;
  }

  override async refreshProviderFwRules(): Promise<void> {
    await this.firewall.refreshProviderFwRules();
  }

  override async addToAggregate(_aggregate: Record<string, unknown>, _host: string): Promise<void> {}
  override async removeFromAggregate(_aggregate: Record<string, unknown>, _host: string): Promise<void> {}
  override async undoAggregateOperation(
    _op: string,
    _aggregate: Record<string, unknown>,
    _host: string,
    _setError: boolean,
  ): Promise<void> {}
}
