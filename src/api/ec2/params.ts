/**
 * The parameters of an EC2 request, read by name. Values stay strings (a key pair named
 * `0123` is not a number); numbered lists (`KeyName.1`, `KeyName.2`, ...) are read in
 * numeric order, so `.10` comes after `.2`.
 */
import { invalidParameterValue, missingParameter } from './errors.js';

export interface Ec2Filter {
  name: string;
  values: string[];
}

export class Ec2Params {
  readonly #map: ReadonlyMap<string, string>;

  constructor(entries: Iterable<readonly [string, string]>) {
    this.#map = new Map(entries);
  }

  get(name: string): string | undefined {
    return this.#map.get(name);
  }

  require(name: string): string {
    const value = this.#map.get(name);
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  has(name: string): boolean {
    return this.#map.has(name);
  }

  /** `true`/`false` in any case; undefined when absent. */
  bool(name: string): boolean | undefined {
    const value = this.#map.get(name);
    if (value === undefined) return undefined;
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
    throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected: 'true' or 'false'.`);
  }

  /** The numbered members under `prefix` (`prefix.N.rest` → a Params holding `rest`), in numeric order of N. */
  members(prefix: string): Ec2Params[] {
    const groups = new Map<number, [string, string][]>();
    const head = `${prefix}.`;
    for (const [key, value] of this.#map) {
      if (!key.startsWith(head)) continue;
      const rest = key.slice(head.length);
      const dot = rest.indexOf('.');
      const index = dot < 0 ? rest : rest.slice(0, dot);
      if (!/^\d+$/.test(index)) continue;
      const list = groups.get(Number(index)) ?? [];
      list.push([dot < 0 ? '' : rest.slice(dot + 1), value]);
      groups.set(Number(index), list);
    }
    return [...groups.entries()].sort(([a], [b]) => a - b).map(([, entries]) => new Ec2Params(entries));
  }

  /** `prefix.N` values in numeric order of N (also `prefix` alone, as some clients send a single value). */
  list(prefix: string): string[] {
    const values = this.members(prefix)
      .map((m) => m.get(''))
      .filter((v): v is string => v !== undefined);
    const single = this.#map.get(prefix);
    return single !== undefined && values.length === 0 ? [single] : values;
  }

  /** `Filter.N.Name` with its `Filter.N.Value.M` values. */
  filters(): Ec2Filter[] {
    return this.members('Filter').map((f) => {
      const name = f.get('Name');
      if (name === undefined) throw missingParameter('Filter.Name');
      return { name, values: f.list('Value') };
    });
  }
}
