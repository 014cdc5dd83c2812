/**
 * The compute side of the firewall (Grizzly's virtapi security group calls): a compute host
 * holds no database credentials, so its firewall driver gets the rules of an instance's
 * security groups, and the provider rules, from the conductor.
 */
import type { ConductorClient } from '../conductor/contract.js';
import { adminContext } from '../context/context.js';
import type { FirewallInstance, FirewallRuleSource, ProviderFirewallRule, SecurityGroupRule } from '../virt/firewall/types.js';

export class ConductorFirewallRules implements FirewallRuleSource {
  readonly #conductor: ConductorClient;

  constructor(conductor: ConductorClient) {
    this.#conductor = conductor;
  }

  securityGroupRules(instance: FirewallInstance): Promise<readonly SecurityGroupRule[]> {
    return this.#conductor.call(adminContext(), 'security_group_rules_for_instance', { instance: { uuid: instance.uuid } });
  }

  providerRules(): Promise<readonly ProviderFirewallRule[]> {
    return this.#conductor.call(adminContext(), 'provider_fw_rule_get_all', {});
  }
}
