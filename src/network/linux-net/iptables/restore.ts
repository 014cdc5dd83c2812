/**
 * Merging a service's tables into what `iptables-save -c` printed, producing the text fed to
 * `iptables-restore -c` (the algorithm of IptablesManager._modify_rules in Grizzly's
 * nova/network/linux_net.py): every line of the host's tables that carries this service's
 * binary name is dropped and rewritten from memory, so each apply replaces the service's
 * rules atomically while rules of others (and their counters) survive.
 */
import type { IptablesRule, IptablesTable } from './table.js';

export interface MergeOptions {
  /** Existing lines matching this stay at the top of the rules. */
  topRegex?: RegExp | null;
  /** Existing lines matching this go just before COMMIT. */
  bottomRegex?: RegExp | null;
}

/** A rule line without its leading `[packets:bytes]` counters, trimmed. */
function withoutCounters(line: string): string {
  return (line.startsWith('[') ? line.slice(line.indexOf(']') + 1) : line).trim();
}

/** The chain a `:name POLICY [p:b]` declaration declares. */
function declaredChain(line: string): string {
  return line.slice(1).split(' ')[0] ?? '';
}

/**
 * Rewrites one table block (`*name` … `COMMIT`, both included) of iptables-save output.
 * Clears the table's pending removals, which this apply carries out.
 */
export function mergeTable(block: readonly string[], table: IptablesTable, options: MergeOptions = {}): string[] {
  let lines = block.filter((line) => !line.includes(table.binaryName));

  const pull = (regex: RegExp | null | undefined): string[] => {
    if (!regex) return [];
    const matched = lines.filter((line) => (line.startsWith('[') || line.startsWith('-A') ? regex.test(line) : false));
    const texts = new Set(matched.map((l) => l.trim()));
    lines = lines.filter((line) => !texts.has(line.trim()));
    return matched;
  };
  const topKept = pull(options.topRegex);
  const bottomKept = pull(options.bottomRegex);

  // Our rules go right after the chain declarations (or right after `*table` when there are none).
  let rulesIndex = 1;
  let seenChains = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith(':')) {
      seenChains = true;
      rulesIndex = i + 1;
    } else if (seenChains) {
      break;
    }
  }

  const ours: string[] = [...topKept];
  const bottom: string[] = [];
  for (const rule of table.rules) {
    const rendered = table.render(rule);
    if (!rule.top) {
      bottom.push(rendered);
      continue;
    }
    // A top rule already on the host keeps its counters and moves to the top.
    const text = withoutCounters(rendered);
    const existing = lines.filter((line) => withoutCounters(line) === text);
    lines = lines.filter((line) => withoutCounters(line) !== text);
    ours.push(existing.length > 0 ? (existing[existing.length - 1] as string) : rendered);
  }
  ours.push(...bottom);

  const declarations = [
    ...[...table.chains].map((name) => `:${table.chainName(name, true)} - [0:0]`),
    ...[...table.unwrappedChains].map((name) => `:${name} - [0:0]`),
  ];
  lines.splice(rulesIndex, 0, ...declarations, ...ours);
  const commit = lines.lastIndexOf('COMMIT');
  lines.splice(commit < 0 ? lines.length : commit, 0, ...bottomKept);

  // The last occurrence of a line wins; pending removals of unwrapped chains and rules happen here.
  const removeChains = new Set(table.removeChains);
  const removeRules = new Set(table.removeRules.map((r: IptablesRule) => withoutCounters(table.render(r))));
  const seen = new Set<string>();
  const kept: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    const key = withoutCounters(line);
    if (key !== '' && !line.startsWith('*') && key !== 'COMMIT' && !line.startsWith('#')) {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    if (line.startsWith(':') && removeChains.has(declaredChain(line))) continue;
    if ((line.startsWith('[') || line.startsWith('-A')) && removeRules.has(key)) continue;
    kept.push(line);
  }
  table.removeChains.clear();
  table.removeRules = [];
  return kept.reverse();
}

/**
 * Applies `tables` (by name) to the whole output of iptables-save: each managed table's block
 * is rewritten, a managed table the host does not have yet is appended, everything else is
 * left as it was. Returns the text for iptables-restore.
 */
export function mergeSaveOutput(saved: string, tables: Readonly<Record<string, IptablesTable>>, options: MergeOptions = {}): string {
  const lines = saved.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const [name, table] of Object.entries(tables)) {
    const start = lines.indexOf(`*${name}`);
    if (start < 0) {
      lines.push(...mergeTable([`*${name}`, 'COMMIT'], table, options));
      continue;
    }
    let end = lines.indexOf('COMMIT', start);
    if (end < 0) end = lines.length - 1;
    lines.splice(start, end - start + 1, ...mergeTable(lines.slice(start, end + 1), table, options));
  }
  return `${lines.join('\n')}\n`;
}
