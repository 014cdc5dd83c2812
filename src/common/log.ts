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

/** A module's logger; `for(ctx)` is the same logger writing the request id of `ctx` on each line. */
export type ModuleLogger = Logger & {
  for(source: LogSource): Logger;
};

/**
 * A logger for one module. Modules take it at load time, before nova-all has chosen where
 * logs go, so it resolves the current root on use rather than binding to the first one.
 * Code working for a request logs through `log.for(ctx)`: one grep of a request id then
 * finds the request in every service's log, the receiving side of an RPC included.
 */
export function getLogger(name: string): ModuleLogger {
  let cached: Logger | undefined;
  let cachedGeneration = -1;
  const current = (): Logger => {
    if (cachedGeneration !== generation || cached === undefined) {
      cached = root.child({ name });
      cachedGeneration = generation;
    }
    return cached;
  };
  const forSource = (source: LogSource): Logger => scopedLogger(source, name);
  return new Proxy({} as ModuleLogger, {
    get(_target, prop) {
      if (prop === 'for') return forSource;
      const target = current();
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
