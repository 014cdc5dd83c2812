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

/**
 * A logger for one module. Modules take it at load time, before nova-all has chosen where
 * logs go, so it resolves the current root on use rather than binding to the first one.
 */
export function getLogger(name: string): Logger {
  let cached: Logger | undefined;
  let cachedGeneration = -1;
  const current = (): Logger => {
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
