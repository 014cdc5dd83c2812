/**
 * The typed option registry. Every module declares its options once with defineGroup();
 * the loader validates nova.conf against what is registered, and the sample config is
 * generated from it. Values are read through the typed group handle:
 *
 *   export const serviceOpts = defineGroup('DEFAULT', { report_interval: opt.int(10, '...') });
 *   conf.get(serviceOpts).report_interval   // number
 */

export type OptKind = 'string' | 'int' | 'float' | 'bool' | 'list' | 'multistring' | 'dict' | 'port';

export interface DeprecatedName {
  group?: string;
  name: string;
}

export interface OptSpec<T> {
  kind: OptKind;
  default: T;
  help: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Never printed in logs or dumps. */
  secret?: boolean;
  deprecatedNames?: DeprecatedName[];
  /** A human description of the default when the literal default is computed (e.g. the host name). */
  sampleDefault?: string;
}

type Extra = Omit<OptSpec<unknown>, 'kind' | 'default' | 'help'>;

export const opt = {
  str: (def: string | null, help: string, extra: Extra = {}): OptSpec<string | null> => ({ kind: 'string', default: def, help, ...extra }),
  int: (def: number | null, help: string, extra: Extra = {}): OptSpec<number | null> => ({ kind: 'int', default: def, help, ...extra }),
  float: (def: number | null, help: string, extra: Extra = {}): OptSpec<number | null> => ({ kind: 'float', default: def, help, ...extra }),
  bool: (def: boolean, help: string, extra: Extra = {}): OptSpec<boolean> => ({ kind: 'bool', default: def, help, ...extra }),
  list: (def: string[], help: string, extra: Extra = {}): OptSpec<string[]> => ({ kind: 'list', default: def, help, ...extra }),
  multi: (def: string[], help: string, extra: Extra = {}): OptSpec<string[]> => ({ kind: 'multistring', default: def, help, ...extra }),
  dict: (def: Record<string, string>, help: string, extra: Extra = {}): OptSpec<Record<string, string>> => ({
    kind: 'dict',
    default: def,
    help,
    ...extra,
  }),
  port: (def: number, help: string, extra: Extra = {}): OptSpec<number> => ({
    kind: 'port',
    default: def,
    help,
    min: 0,
    max: 65535,
    ...extra,
  }),
};

/** Options that must not be null once loaded: a non-null default narrows the type. */
type ValueOf<S> = S extends OptSpec<infer T> ? T : never;
export type GroupValues<S extends Record<string, OptSpec<unknown>>> = { readonly [K in keyof S]: ValueOf<S[K]> };

export interface OptGroup<S extends Record<string, OptSpec<unknown>>> {
  readonly group: string;
  readonly opts: S;
}

const groups = new Map<string, Map<string, OptSpec<unknown>>>();

/** Registers options under a group (`DEFAULT` for the unnamed one). Registering the same name twice with another kind is a programming error. */
export function defineGroup<S extends Record<string, OptSpec<unknown>>>(group: string, opts: S): OptGroup<S> {
  let table = groups.get(group);
  if (!table) {
    table = new Map();
    groups.set(group, table);
  }
  for (const [name, spec] of Object.entries(opts)) {
    const existing = table.get(name);
    if (existing && existing.kind !== spec.kind) {
      throw new Error(`option [${group}] ${name} registered twice with different types`);
    }
    table.set(name, spec);
  }
  return { group, opts };
}

export function registeredGroups(): ReadonlyMap<string, ReadonlyMap<string, OptSpec<unknown>>> {
  return groups;
}

export function lookupOpt(group: string, name: string): OptSpec<unknown> | undefined {
  return groups.get(group)?.get(name);
}

/** Finds the option a deprecated (group, name) pair now stands for. */
export function lookupDeprecated(group: string, name: string): { group: string; name: string } | undefined {
  for (const [g, table] of groups) {
    for (const [n, spec] of table) {
      for (const d of spec.deprecatedNames ?? []) {
        if (d.name === name && (d.group ?? 'DEFAULT') === group) return { group: g, name: n };
      }
    }
  }
  return undefined;
}
