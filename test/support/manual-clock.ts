import type { Clock, Timer } from '../../src/common/clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => unknown;
}

/**
 * A clock that moves only when the test says so. `advance(ms)` runs, in time order, every
 * timer that falls due (including timers those timers set), and awaits what each returns,
 * so a test that advances past a heartbeat or a periodic pass also waits for its work.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Pending[] = [];

  constructor(start = Date.parse('2013-04-04T12:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => unknown): Timer {
    const timer: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return {
      cancel: () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
    };
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Milliseconds until the next timer is due, or null when none is set. */
  nextDueIn(): number | null {
    const next = this.#earliest();
    return next ? next.at - this.#now : null;
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (!next || next.at > end) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.at;
      await next.fn();
    }
    this.#now = end;
  }

  #earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const t of this.#timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }
}
