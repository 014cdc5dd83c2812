import { AsyncLocalStorage } from 'node:async_hooks';
import { type Logger, pino } from 'pino';

export type { Logger };

let root: Logger = pino({
  level: process.env.NOVA_LOG_LEVEL ?? (process.env.NODE_TEST_CONTEXT ? 'silent' : 'info'),
  base: { pid: process.pid },
});
let generation = 0;

/** Replaces the process-wide root logger (nova-all points it at a file in the state dir). */
export function setRootLogger(logger: Logger): void {
  root = logger;
  generation += 1;
}

export function rootLogger(): Logger {
  return root;
}

/** Whatever a log line should say about the request it was written for (a RequestContext). */
export interface LogSource {
  readonly requestId: string;
  /** `request_id`, and `instance_uuid` once the request is about one instance. */
  readonly logBindings: Readonly<Record<string, string>>;
}

interface LogScope {
  source: LogSource | null;
}

const scopes = new AsyncLocalStorage<LogScope>();

/**
 * Runs `fn` so that every line a module logger writes under it, however deep, carries the
 * source's request id: one grep of a request id then finds the request in every service.
 * (Module lines name their instance themselves; the source's own logger, loggerFor, also
 * carries its instance uuid.)
 */
export function runLogged<T>(source: LogSource | null, fn: () => T): T {
  return scopes.run({ source }, fn);
}

/** Names the request of the scope runLogged opened, for scopes opened before it was known (HTTP). */
export function setLogSource(source: LogSource): void {
  const scope = scopes.getStore();
  if (scope) scope.source = source;
}

/** A child of the current root carrying the source's bindings (and `name` when given). */
export function loggerFor(source: LogSource, name?: string): Logger {
  return root.child(name === undefined ? source.logBindings : { name, ...source.logBindings });
}

interface ScopedLoggers {
  generation: number;
  byName: Map<string, Logger>;
}

const scopedLoggers = new WeakMap<LogSource, ScopedLoggers>();

function scopedLogger(source: LogSource, name: string): Logger {
  let cache = scopedLoggers.get(source);
  if (cache?.generation !== generation) {
    cache = { generation, byName: new Map() };
    scopedLoggers.set(source, cache);
  }
  let logger = cache.byName.get(name);
  if (!logger) {
    logger = root.child({ name, request_id: source.requestId });
    cache.byName.set(name, logger);
  }
  return logger;
}

/**
 * A logger for one module. Modules take it at load time, before nova-all has chosen where
 * logs go, so it resolves the current root on use rather than binding to the first one;
 * inside runLogged it writes the request's id.
 */
export function getLogger(name: string): Logger {
  let cached: Logger | undefined;
  let cachedGeneration = -1;
  const current = (): Logger => {
    const source = scopes.getStore()?.source;
    if (source) return scopedLogger(source, name);
    if (cachedGeneration !== generation || cached === undefined) {
      cached = root.child({ name });
      cachedGeneration = generation;
    }
    return cached;
  };
  return new Proxy({} as Logger, {
    get(_target, prop) {
      const target = current();
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
