/**
 * A parser for nova.conf in oslo's INI dialect: `[section]`, `key = value` or
 * `key: value`, `#`/`;` comments, indented continuation lines, repeated keys kept in order
 * (multi-valued options), matching quotes stripped.
 */

export interface IniValue {
  value: string;
  file: string;
  line: number;
}

/** section → key → every assignment in file order */
export type IniDocument = Map<string, Map<string, IniValue[]>>;

export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly section: string | null,
    readonly key: string | null,
    readonly problem: string,
  ) {
    const where = [section ? `[${section}]` : null, key].filter(Boolean).join(' ');
    super(`${file}:${line}: ${where ? `${where}: ` : ''}${problem}`);
    this.name = 'ConfigFileError';
  }
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

export function parseIni(text: string, file: string, into: IniDocument = new Map()): IniDocument {
  let section: string | null = null;
  let last: IniValue | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    if (raw.trim() === '') {
      last = null;
      continue;
    }
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (/^\s/.test(raw) && last) {
      last.value = last.value === '' ? trimmed : `${last.value}\n${trimmed}`;
      continue;
    }
    if (trimmed.startsWith('[')) {
      if (!trimmed.endsWith(']') || trimmed.length < 3) {
        throw new ConfigFileError(file, lineNo, null, null, `invalid section header ${JSON.stringify(trimmed)}`);
      }
      section = trimmed.slice(1, -1).trim();
      if (!into.has(section)) into.set(section, new Map());
      last = null;
      continue;
    }
    const m = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!m) throw new ConfigFileError(file, lineNo, section, null, `expected "key = value", found ${JSON.stringify(trimmed)}`);
    if (section === null) throw new ConfigFileError(file, lineNo, null, m[1] ?? null, 'option outside of any [section]');
    const key = m[1] as string;
    const entry: IniValue = { value: unquote((m[2] ?? '').trim()), file, line: lineNo };
    const table = into.get(section) as Map<string, IniValue[]>;
    const list = table.get(key) ?? [];
    list.push(entry);
    table.set(key, list);
    last = entry;
  }
  return into;
}
