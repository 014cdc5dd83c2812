/**
 * Where long-running services read the time and set their timers (heartbeats, periodic
 * tasks, the delay before the first pass). Production uses the system clock; tests hand a
 * manual clock in and move time forward themselves instead of waiting for it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fn` once, `ms` from now. The timer never keeps the process alive on its own.
   * Whatever `fn` returns is ignored here; a manual clock awaits it, so a test that moves
   * time forward also waits for the work the timer started.
   */
  setTimer(ms: number, fn: () => unknown): Timer;
}

export interface Timer {
  cancel(): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
