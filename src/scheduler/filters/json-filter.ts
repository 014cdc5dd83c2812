import { jsonTextTooDeep } from '../../common/json-depth.js';
import { getLogger } from '../../common/log.js';
import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import { type FilterDefinition, type HostFilter, hintValue } from './base.js';

const log = getLogger('nova.scheduler.filters.json_filter');

type Value = unknown;

class UnknownOperator extends Error {}

function compareAll(args: Value[], test: (a: Value, b: Value) => boolean): boolean {
  if (args.length < 2) return false;
  const [first, ...rest] = args;
  return rest.every((arg) => test(first, arg));
}

function equal(a: Value, b: Value): boolean {
  return a === b;
}

// Ordering follows the operands' own types: numbers numerically, text lexically.
function less(a: Value, b: Value): boolean {
  return (a as number | string) < (b as number | string);
}

const OPERATORS: Record<string, (args: Value[]) => Value> = {
  '=': (args) => compareAll(args, equal),
  '<': (args) => compareAll(args, less),
  '>': (args) => compareAll(args, (a, b) => less(b, a)),
  '<=': (args) => compareAll(args, (a, b) => less(a, b) || equal(a, b)),
  '>=': (args) => compareAll(args, (a, b) => less(b, a) || equal(a, b)),
  in: (args) => args.length >= 2 && args.slice(1).some((arg) => equal(args[0], arg)),
  not: (args) => args.map((arg) => !truthy(arg)),
  or: (args) => args.some(truthy),
  and: (args) => args.every(truthy),
};

function truthy(value: Value): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** `$free_ram_mb`, `$capabilities.enabled`: a HostState attribute, then dictionary keys. */
function resolveVariable(text: string, host: HostState): Value {
  if (text === '') return null;
  if (!text.startsWith('$')) return text;
  const [attribute, ...keys] = text.slice(1).split('.');
  let value: Value = (host as unknown as Record<string, Value>)[attribute ?? ''];
  if (typeof value === 'function') return null;
  for (const key of keys) {
    if (value === null || value === undefined || typeof value !== 'object') return null;
    value = (value as Record<string, Value>)[key];
  }
  return value ?? null;
}

function evaluate(query: Value[], host: HostState): Value {
  if (query.length === 0) return true;
  const [op, ...rawArgs] = query;
  const method = OPERATORS[String(op)];
  if (!method) throw new UnknownOperator(String(op));
  const args: Value[] = [];
  for (const raw of rawArgs) {
    let arg = raw;
    if (Array.isArray(raw)) arg = evaluate(raw, host);
    else if (typeof raw === 'string') arg = resolveVariable(raw, host);
    if (arg !== null && arg !== undefined) args.push(arg);
  }
  return method(args);
}

/**
 * Evaluates the `query` hint (a JSON prefix expression) against each host. A query that
 * is not valid JSON, nests deeper than a request body may, or uses an unknown operator
 * matches no host, so the request fails with NoValidHost instead of breaking the scheduler.
 */
export class JsonFilter implements HostFilter {
  readonly name = 'JsonFilter';

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const text = hintValue(props.scheduler_hints?.query);
    if (!text) return true;
    if (jsonTextTooDeep(text)) {
      log.warn('scheduler hint query is nested too deeply');
      return false;
    }
    let query: unknown;
    try {
      query = JSON.parse(text);
    } catch {
      log.warn({ query: text }, 'scheduler hint query is not valid JSON');
      return false;
    }
    if (!Array.isArray(query)) return truthy(query);
    try {
      const result = evaluate(query, host);
      return Array.isArray(result) ? result.some(truthy) : truthy(result);
    } catch (err) {
      if (err instanceof UnknownOperator) {
        log.warn({ query: text, operator: err.message }, 'scheduler hint query uses an unknown operator');
        return false;
      }
      throw err;
    }
  }
}

export const jsonFilter: FilterDefinition = {
  name: 'JsonFilter',
  classPath: 'nova.scheduler.filters.json_filter.JsonFilter',
  create: () => new JsonFilter(),
};
