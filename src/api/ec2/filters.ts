/** `Filter.N.Name` / `Filter.N.Value.M` applied to a listing: values OR-ed, filters AND-ed, `*` and `?` wildcards. */
import { Ec2Error } from './errors.js';
import type { Ec2Filter } from './params.js';

export type FilterFields<T> = Readonly<Record<string, FilterField<T>>>;

function pattern(value: string): RegExp {
  const body = value
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

type FilterField<T> = (item: T) => string | readonly string[] | null | undefined;

/**
 * `dynamic` answers filter names that are not fixed (as `tag:Name`), or undefined for an
 * unknown filter.
 */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly Ec2Filter[],
  fields: FilterFields<T>,
  dynamic?: (name: string) => FilterField<T> | undefined,
): T[] {
  const compiled = filters.map((f) => {
    const field = fields[f.name] ?? dynamic?.(f.name);
    if (!field) throw new Ec2Error('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    return { field, patterns: f.values.map(pattern) };
  });
  return items.filter((item) =>
    compiled.every(({ field, patterns }) => {
      const raw = field(item);
      const values = raw === null || raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
      return values.some((v) => patterns.some((p) => p.test(v)));
    }),
  );
}
