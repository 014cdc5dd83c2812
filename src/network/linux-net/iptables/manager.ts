/**
 * A nova service's iptables state and its atomic application (IptablesManager of Grizzly's
 * nova/network/linux_net.py). The chain layout (docs/network.md):
 *
 *   filter  FORWARD, OUTPUT -> nova-filter-top (shared, top) -> <bin>-local
 *           INPUT, OUTPUT, FORWARD -> <bin>-INPUT, <bin>-OUTPUT, <bin>-FORWARD
 *   nat     PREROUTING, OUTPUT, POSTROUTING -> <bin>-PREROUTING, ...
 *           POSTROUTING -> nova-postrouting-bottom (shared) -> <bin>-snat -> <bin>-float-snat
 *   mangle  POSTROUTING -> <bin>-POSTROUTING
 *
 * apply() reads the host's tables with `iptables-save -c`, rewrites this service's lines and
 * loads the result with `iptables-restore -c` in one step, for the iptables flavour
 * (nf_tables or legacy) that `iptables --version` reports.
 */
import { getLogger } from '../../../common/log.js';
import type { CommandExecutor } from '../executor.js';
import { mergeSaveOutput } from './restore.js';
import { IptablesTable } from './table.js';

const log = getLogger('nova.network.linux_net.iptables');

export type IptablesFlavour = 'nft' | 'legacy' | 'plain';

/** The flavour named in `iptables --version` output: `iptables v1.8.9 (nf_tables)` / `(legacy)`; older builds name none. */
export function flavourFromVersion(output: string): IptablesFlavour {
  if (/\(nf_tables\)/.test(output)) return 'nft';
  if (/\(legacy\)/.test(output)) return 'legacy';
  return 'plain';
}

/** The save/restore commands of a flavour, for IPv4 (`iptables`) or IPv6 (`ip6tables`). */
export function saveRestoreCommands(flavour: IptablesFlavour, family: 'iptables' | 'ip6tables'): { save: string; restore: string } {
  const infix = flavour === 'plain' ? '' : `-${flavour}`;
  return { save: `${family}${infix}-save`, restore: `${family}${infix}-restore` };
}

export async function detectFlavour(executor: CommandExecutor): Promise<IptablesFlavour> {
  const { stdout, stderr } = await executor.run(['iptables', '--version']);
  return flavourFromVersion(`${stdout}${stderr}`);
}

/**
 * Chain names may be 28 characters and nova appends up to 12 (`-POSTROUTING`), so the
 * binary name is cut to 16, as Grizzly's get_binary_name does.
 */
export function wrapName(binaryName: string): string {
  return binaryName.slice(0, 16);
}

export interface IptablesManagerOptions {
  executor: CommandExecutor;
  /** The service whose chains these are (`nova-network`, `nova-compute`). */
  binaryName: string;
  useIpv6?: boolean;
  /** `iptables_top_regex` / `iptables_bottom_regex`: existing rules kept at the top / bottom. */
  topRegex?: string | null;
  bottomRegex?: string | null;
  /** Skips detection (tests, or a host where it is known). */
  flavour?: IptablesFlavour;
}

// One save-modify-restore at a time in this process, whichever service asks: two interleaved
// applies would each restore a table missing the other's change (Grizzly's `iptables` lock).
let applyChain: Promise<unknown> = Promise.resolve();

function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const next = applyChain.then(fn, fn);
  applyChain = next.catch(() => undefined);
  return next;
}

export class IptablesManager {
  readonly binaryName: string;
  readonly ipv4: { readonly filter: IptablesTable; readonly nat: IptablesTable; readonly mangle: IptablesTable };
  readonly ipv6: { readonly filter: IptablesTable };
  readonly #executor: CommandExecutor;
  readonly #useIpv6: boolean;
  readonly #topRegex: RegExp | null;
  readonly #bottomRegex: RegExp | null;
  #flavour: IptablesFlavour | null;
  #deferred = false;

  constructor(options: IptablesManagerOptions) {
    this.binaryName = wrapName(options.binaryName);
    this.#executor = options.executor;
    this.#useIpv6 = options.useIpv6 ?? false;
    this.#topRegex = options.topRegex ? new RegExp(options.topRegex) : null;
    this.#bottomRegex = options.bottomRegex ? new RegExp(options.bottomRegex) : null;
    this.#flavour = options.flavour ?? null;
    const table = () => new IptablesTable(this.binaryName);
    this.ipv4 = { filter: table(), nat: table(), mangle: table() };
    this.ipv6 = { filter: table() };
    this.#layout();
  }

  #layout(): void {
    for (const filter of [this.ipv4.filter, this.ipv6.filter]) {
      filter.addChain('nova-filter-top', false);
      filter.addRule('FORWARD', '-j nova-filter-top', { wrap: false, top: true });
      filter.addRule('OUTPUT', '-j nova-filter-top', { wrap: false, top: true });
      filter.addChain('local');
      filter.addRule('nova-filter-top', '-j $local', { wrap: false });
    }
    const builtins: [IptablesTable, string[]][] = [
      [this.ipv4.filter, ['INPUT', 'OUTPUT', 'FORWARD']],
      [this.ipv4.nat, ['PREROUTING', 'OUTPUT', 'POSTROUTING']],
      [this.ipv4.mangle, ['POSTROUTING']],
      [this.ipv6.filter, ['INPUT', 'OUTPUT', 'FORWARD']],
    ];
    for (const [table, chains] of builtins) {
      for (const chain of chains) {
        table.addChain(chain);
        table.addRule(chain, `-j $${chain}`, { wrap: false });
      }
    }
    const nat = this.ipv4.nat;
    nat.addChain('nova-postrouting-bottom', false);
    nat.addRule('POSTROUTING', '-j nova-postrouting-bottom', { wrap: false });
    nat.addChain('snat');
    nat.addRule('nova-postrouting-bottom', '-j $snat', { wrap: false });
    nat.addChain('float-snat');
    nat.addRule('snat', '-j $float-snat');
  }

  /** Batch changes: apply() does nothing until deferApplyOff(). */
  deferApplyOn(): void {
    this.#deferred = true;
  }

  async deferApplyOff(): Promise<void> {
    this.#deferred = false;
    await this.apply();
  }

  dirty(): boolean {
    const tables = [...Object.values(this.ipv4), ...(this.#useIpv6 ? Object.values(this.ipv6) : [])];
    return tables.some((t) => t.dirty);
  }

  /** Writes the in-memory rules to the host if anything changed since the last apply. */
  async apply(): Promise<void> {
    if (this.#deferred || !this.dirty()) return;
    await serialized(() => this.#apply());
  }

  async #apply(): Promise<void> {
    const flavour = await this.flavour();
    const families: ['iptables' | 'ip6tables', Record<string, IptablesTable>][] = [['iptables', this.ipv4]];
    if (this.#useIpv6) families.push(['ip6tables', this.ipv6]);
    for (const [family, tables] of families) {
      const { save, restore } = saveRestoreCommands(flavour, family);
      const saved = await this.#executor.run([save, '-c'], { attempts: 5 });
      // Clean from the moment their rules are rendered: a change made while restore runs marks them dirty again.
      for (const table of Object.values(tables)) table.dirty = false;
      const text = mergeSaveOutput(saved.stdout, tables, { topRegex: this.#topRegex, bottomRegex: this.#bottomRegex });
      try {
        await this.#executor.run([restore, '-c'], { input: text, attempts: 5 });
      } catch (err) {
        for (const table of Object.values(tables)) table.dirty = true;
        throw err;
      }
    }
    log.debug({ binary: this.binaryName, flavour }, 'iptables rules applied');
  }

  /** The flavour in use, detected on first need. */
  async flavour(): Promise<IptablesFlavour> {
    this.#flavour ??= await detectFlavour(this.#executor);
    return this.#flavour;
  }
}
