import { GRIZZLY_OPTIONS } from './grizzly-options.js';
import { type OptSpec, registeredGroups } from './registry.js';

function renderDefault(spec: OptSpec<unknown>): string {
  if (spec.sampleDefault !== undefined) return spec.sampleDefault;
  const d = spec.default;
  if (d === null || d === undefined) return '<None>';
  if (Array.isArray(d)) return d.join(',');
  if (typeof d === 'object')
    return Object.entries(d as Record<string, string>)
      .map(([k, v]) => `${k}:${v}`)
      .join(',');
  return String(d);
}

function wrap(text: string, width = 76): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/**
 * The sample nova.conf: every registered option, commented out at its default and marked
 * implemented, then each Grizzly option of the group that nova-ts accepts but ignores.
 */
export function generateSampleConfig(): string {
  const lines: string[] = [];
  const groups = new Set([...registeredGroups().keys(), ...Object.keys(GRIZZLY_OPTIONS)]);
  const names = [...groups].sort((a, b) => (a === 'DEFAULT' ? -1 : b === 'DEFAULT' ? 1 : a.localeCompare(b)));
  for (const group of names) {
    const table = registeredGroups().get(group) ?? new Map<string, OptSpec<unknown>>();
    lines.push(`[${group}]`, '');
    for (const name of [...table.keys()].sort()) {
      const spec = table.get(name) as OptSpec<unknown>;
      for (const l of wrap(spec.help)) lines.push(`# ${l}`);
      const extra: string[] = ['implemented', `type: ${spec.kind}`];
      if (spec.choices) extra.push(`choices: ${spec.choices.join(', ')}`);
      if (spec.deprecatedNames?.length) {
        extra.push(`deprecated names: ${spec.deprecatedNames.map((d) => `[${d.group ?? 'DEFAULT'}] ${d.name}`).join(', ')}`);
      }
      lines.push(`# (${extra.join('; ')})`);
      lines.push(`#${name} = ${renderDefault(spec)}`, '');
    }
    const ignored = (GRIZZLY_OPTIONS[group] ?? []).filter((name) => !table.has(name)).sort();
    for (const name of ignored) {
      lines.push('# (not implemented: a Grizzly option nova-ts accepts and ignores, with a start-up warning)', `#${name} =`, '');
    }
  }
  return `${lines.join('\n')}\n`;
}
