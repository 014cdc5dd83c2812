import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GRIZZLY_OPTIONS } from './grizzly-options.js';
import { ConfigFileError, type IniDocument, type IniValue, parseIni } from './ini.js';
import { type GroupValues, lookupDeprecated, lookupOpt, type OptGroup, type OptSpec, registeredGroups } from './registry.js';

export { ConfigFileError };

type Source = { file: string; line: number };

function parseBool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return undefined;
}

function splitList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Turns one textual value into the option's type, or says what was expected. */
export function coerce(spec: OptSpec<unknown>, raw: string): { value: unknown } | { expected: string } {
  switch (spec.kind) {
    case 'string': {
      if (spec.choices && !spec.choices.includes(raw)) return { expected: `one of ${spec.choices.join(', ')}` };
      return { value: raw };
    }
    case 'int':
    case 'port': {
      if (!/^[-+]?\d+$/.test(raw.trim())) return { expected: 'an integer' };
      const n = Number.parseInt(raw, 10);
      if (spec.min !== undefined && n < spec.min) return { expected: `an integer >= ${spec.min}` };
      if (spec.max !== undefined && n > spec.max) return { expected: `an integer <= ${spec.max}` };
      return { value: n };
    }
    case 'float': {
      const n = Number(raw.trim());
      if (raw.trim() === '' || Number.isNaN(n)) return { expected: 'a number' };
      if (spec.min !== undefined && n < spec.min) return { expected: `a number >= ${spec.min}` };
      if (spec.max !== undefined && n > spec.max) return { expected: `a number <= ${spec.max}` };
      return { value: n };
    }
    case 'bool': {
      const b = parseBool(raw);
      return b === undefined ? { expected: 'a boolean (true/false)' } : { value: b };
    }
    case 'list':
      return { value: splitList(raw) };
    case 'multistring':
      return { value: [raw] };
    case 'dict': {
      const out: Record<string, string> = {};
      for (const item of splitList(raw)) {
        const idx = item.indexOf(':');
        if (idx <= 0) return { expected: 'key:value pairs separated by commas' };
        out[item.slice(0, idx).trim()] = item.slice(idx + 1).trim();
      }
      return { value: out };
    }
  }
}

export interface IgnoredOption {
  group: string;
  name: string;
  file: string;
  line: number;
}

function isGrizzlyOption(group: string, name: string): boolean {
  return Object.hasOwn(GRIZZLY_OPTIONS, group) && (GRIZZLY_OPTIONS[group] as readonly string[]).includes(name);
}

export interface LoadOptions {
  configFiles?: string[];
  configDir?: string | null;
  /** Values set by code (nova-all's generated settings, tests); they win over files. */
  overrides?: Record<string, Record<string, unknown>>;
}

/**
 * The loaded configuration: registered defaults, then config files in order (later files
 * win, multi-valued options accumulate), then overrides. Validation is strict: an unknown
 * section or option, or a value of the wrong type, stops start-up with one line.
 */
export class Config {
  readonly files: readonly string[];
  #values = new Map<string, Map<string, unknown>>();
  #sources = new Map<string, Source>();
  readonly #ignored: IgnoredOption[] = [];

  private constructor(files: string[]) {
    this.files = files;
  }

  /**
   * Options the files set that Grizzly has but nova-ts does not implement (Xen, VMware,
   * baremetal, qpid, ...): accepted so a Grizzly nova.conf starts, and reported once at
   * start-up rather than silently dropped.
   */
  get ignored(): readonly IgnoredOption[] {
    return this.#ignored;
  }

  static load(options: LoadOptions = {}): Config {
    const files = [...(options.configFiles ?? [])];
    if (options.configDir) {
      let names: string[];
      try {
        names = readdirSync(options.configDir)
          .filter((n) => n.endsWith('.conf'))
          .sort();
      } catch (err) {
        throw new ConfigFileError(options.configDir, 0, null, null, `cannot read config directory: ${(err as Error).message}`);
      }
      files.push(...names.map((n) => join(options.configDir as string, n)));
    }
    const conf = new Config(files);
    for (const file of files) {
      let text: string;
      try {
        if (!statSync(file).isFile()) throw new Error('not a file');
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new ConfigFileError(file, 0, null, null, `cannot read config file: ${(err as Error).message}`);
      }
      conf.#apply(parseIni(text, file));
    }
    for (const [group, table] of Object.entries(options.overrides ?? {})) {
      for (const [name, value] of Object.entries(table)) conf.set(group, name, value);
    }
    return conf;
  }

  #apply(doc: IniDocument): void {
    for (const [section, table] of doc) {
      const groupName = section === 'DEFAULT' ? 'DEFAULT' : section;
      for (const [key, entries] of table) {
        let target = { group: groupName, name: key };
        let spec = lookupOpt(groupName, key);
        if (!spec) {
          const renamed = lookupDeprecated(groupName, key);
          if (renamed) {
            target = renamed;
            spec = lookupOpt(renamed.group, renamed.name);
          }
        }
        const first = entries[0] as IniValue;
        if (!spec && isGrizzlyOption(groupName, key)) {
          this.#ignored.push({ group: groupName, name: key, file: first.file, line: first.line });
          continue;
        }
        if (!spec) {
          const problem = registeredGroups().has(groupName) ? 'unknown option' : 'unknown section';
          throw new ConfigFileError(first.file, first.line, section, key, problem);
        }
        for (const entry of spec.kind === 'multistring' ? entries : [entries[entries.length - 1] as IniValue]) {
          const result = coerce(spec, entry.value);
          if ('expected' in result) {
            throw new ConfigFileError(
              entry.file,
              entry.line,
              section,
              key,
              `expected ${result.expected}, got ${JSON.stringify(entry.value)}`,
            );
          }
          if (spec.kind === 'multistring') {
            const prev = this.#values.get(target.group)?.get(target.name) as string[] | undefined;
            this.#store(target.group, target.name, [...(prev ?? []), ...(result.value as string[])], entry);
          } else {
            this.#store(target.group, target.name, result.value, entry);
          }
        }
      }
    }
  }

  #store(group: string, name: string, value: unknown, source?: Source): void {
    let table = this.#values.get(group);
    if (!table) {
      table = new Map();
      this.#values.set(group, table);
    }
    table.set(name, value);
    if (source) this.#sources.set(`${group}.${name}`, source);
  }

  /** Sets a value from code. Unknown options are a programming error. */
  set(group: string, name: string, value: unknown): void {
    if (!lookupOpt(group, name)) throw new Error(`cannot set unregistered option [${group}] ${name}`);
    this.#store(group, name, value);
  }

  /** A copy of this configuration with some values replaced (one of several services of a process, under its own host name). */
  derive(overrides: Record<string, Record<string, unknown>>): Config {
    const copy = new Config([...this.files]);
    for (const [group, table] of this.#values) copy.#values.set(group, new Map(table));
    for (const [key, source] of this.#sources) copy.#sources.set(key, source);
    for (const [group, table] of Object.entries(overrides)) {
      for (const [name, value] of Object.entries(table)) copy.set(group, name, value);
    }
    return copy;
  }

  /** Whether a value was given (file or override) rather than defaulted. */
  isSet(group: string, name: string): boolean {
    return this.#values.get(group)?.has(name) ?? false;
  }

  raw(group: string, name: string): unknown {
    const table = this.#values.get(group);
    if (table?.has(name)) return this.#interpolate(table.get(name));
    const spec = lookupOpt(group, name);
    if (!spec) throw new Error(`option [${group}] ${name} is not registered`);
    return this.#interpolate(spec.default);
  }

  /** `$name` and `${name}` in string values refer to DEFAULT options, as in oslo.config. */
  #interpolate(value: unknown, depth = 0): unknown {
    if (typeof value === 'string' && value.includes('$') && depth < 10) {
      return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, ref: string) => {
        if (!lookupOpt('DEFAULT', ref)) return whole;
        const v = this.#interpolate(this.#values.get('DEFAULT')?.get(ref) ?? lookupOpt('DEFAULT', ref)?.default, depth + 1);
        return v === null || v === undefined ? '' : String(v);
      });
    }
    if (Array.isArray(value)) return value.map((v) => this.#interpolate(v, depth));
    return value;
  }

  get<S extends Record<string, OptSpec<unknown>>>(group: OptGroup<S>): GroupValues<S> {
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(group.opts)) out[name] = this.raw(group.group, name);
    return out as GroupValues<S>;
  }

  /** Where a value came from, for error messages ("file:line"), if it came from a file. */
  sourceOf(group: string, name: string): string | undefined {
    const s = this.#sources.get(`${group}.${name}`);
    return s ? `${s.file}:${s.line}` : undefined;
  }

  /** Every option with its effective value; secrets masked. Logged at service start. */
  dump(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [group, table] of registeredGroups()) {
      const g: Record<string, unknown> = {};
      for (const [name, spec] of table) g[name] = spec.secret ? '****' : this.raw(group, name);
      out[group] = g;
    }
    return out;
  }
}
