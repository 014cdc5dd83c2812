/**
 * One iptables table as a nova service wants it (nova/network/linux_net.py IptablesTable in
 * Grizzly): the chains it owns and the rules in them. Chains are "wrapped" by default: a
 * service's chain `local` is really `<binary>-local` (`nova-network-local`,
 * `nova-compute-local`), so that several nova services share one host's tables without
 * stepping on each other. In a rule, `$name` means the wrapped chain `name`.
 */

export interface IptablesRule {
  readonly chain: string;
  /** The rule after `-A <chain>`, with `$chain` references already wrapped. */
  readonly rule: string;
  readonly wrap: boolean;
  /** Kept at the top of its chain, above rules the service did not write. */
  readonly top: boolean;
}

export interface RuleOptions {
  wrap?: boolean;
  top?: boolean;
}

function sameRule(a: IptablesRule, b: IptablesRule): boolean {
  return a.chain === b.chain && a.rule === b.rule && a.wrap === b.wrap && a.top === b.top;
}

export class IptablesTable {
  readonly binaryName: string;
  rules: IptablesRule[] = [];
  readonly chains = new Set<string>();
  readonly unwrappedChains = new Set<string>();
  /** Unwrapped chains and rules to delete from the host on the next apply (wrapped ones vanish by themselves). */
  readonly removeChains = new Set<string>();
  removeRules: IptablesRule[] = [];
  dirty = true;

  constructor(binaryName: string) {
    this.binaryName = binaryName;
  }

  /** The name a chain has on the host. */
  chainName(chain: string, wrap: boolean): string {
    return wrap ? `${this.binaryName}-${chain}` : chain;
  }

  hasChain(name: string, wrap = true): boolean {
    return (wrap ? this.chains : this.unwrappedChains).has(name);
  }

  addChain(name: string, wrap = true): void {
    (wrap ? this.chains : this.unwrappedChains).add(name);
    this.dirty = true;
  }

  /**
   * Drops a chain, every rule in it and every rule jumping to it. Returns false when the
   * chain was not there.
   */
  removeChain(name: string, wrap = true): boolean {
    const set = wrap ? this.chains : this.unwrappedChains;
    if (!set.has(name)) return false;
    set.delete(name);
    this.dirty = true;
    const target = this.chainName(name, wrap);
    const jumpsHere = (rule: string) => {
      const words = rule.split(' ');
      return words.some((w, i) => (w === '-j' || w === '-g') && words[i + 1] === target);
    };
    const dropped = this.rules.filter((r) => (r.chain === name && r.wrap === wrap) || jumpsHere(r.rule));
    if (!wrap) {
      this.removeChains.add(name);
      this.removeRules.push(...dropped.filter((r) => !r.wrap));
    }
    this.rules = this.rules.filter((r) => !dropped.includes(r));
    return true;
  }

  /**
   * Adds `rule` to `chain` (as written after `-A <chain>`); `$x` words become wrapped chain
   * names. Adding a rule that is already there changes nothing.
   */
  addRule(chain: string, rule: string, options: RuleOptions = {}): void {
    const wrap = options.wrap ?? true;
    if (wrap && !this.chains.has(chain)) throw new Error(`Unknown chain: ${chain}`);
    const entry: IptablesRule = { chain, rule: this.#wrapTargets(rule), wrap, top: options.top ?? false };
    if (this.rules.some((r) => sameRule(r, entry))) return;
    this.rules.push(entry);
    this.dirty = true;
  }

  /** Removes a rule written exactly as it was added. Returns false when it was not there. */
  removeRule(chain: string, rule: string, options: RuleOptions = {}): boolean {
    const entry: IptablesRule = { chain, rule: this.#wrapTargets(rule), wrap: options.wrap ?? true, top: options.top ?? false };
    const index = this.rules.findIndex((r) => sameRule(r, entry));
    if (index < 0) return false;
    this.rules.splice(index, 1);
    if (!entry.wrap) this.removeRules.push(entry);
    this.dirty = true;
    return true;
  }

  /** Removes every rule whose rendered line (`[0:0] -A chain rule`) matches; returns how many. */
  removeRulesMatching(pattern: RegExp): number {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => !pattern.test(this.render(r)));
    const removed = before - this.rules.length;
    if (removed > 0) this.dirty = true;
    return removed;
  }

  /** Removes every rule of a chain, keeping the chain. */
  emptyChain(chain: string, wrap = true): void {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => !(r.chain === chain && r.wrap === wrap));
    if (this.rules.length !== before) this.dirty = true;
  }

  /** The rules of one chain, in order, as written (for inspection and tests). */
  rulesOf(chain: string, wrap = true): string[] {
    return this.rules.filter((r) => r.chain === chain && r.wrap === wrap).map((r) => r.rule);
  }

  /** The iptables-restore line of a rule; new rules start with zero counters. */
  render(rule: IptablesRule): string {
    return `[0:0] -A ${this.chainName(rule.chain, rule.wrap)} ${rule.rule}`;
  }

  #wrapTargets(rule: string): string {
    if (!rule.includes('$')) return rule;
    return rule
      .split(' ')
      .map((word) => (word.startsWith('$') ? `${this.binaryName}-${word.slice(1)}` : word))
      .join(' ');
  }
}
