import type { Clock, Timer } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import type { Heartbeat, ServiceRecord } from './types.js';

/** How a driver's outage and recovery read in the log. */
export interface OutageMessages {
  readonly lost: string;
  readonly recovered: string;
}

/**
 * What every service group driver's heartbeat shares: one report per report_interval (a
 * report still running when the next is due is not doubled), and an outage of the backend
 * logged once when it starts and once when it ends, so that it does not flood the log.
 * A driver says only how one report is made.
 */
export abstract class PeriodicHeartbeat implements Heartbeat {
  #timer: Timer | null = null;
  #running: Promise<void> | null = null;
  #disconnected = false;

  protected constructor(
    private readonly reportInterval: number,
    protected readonly clock: Clock,
    private readonly log: Logger,
    private readonly messages: OutageMessages,
  ) {}

  abstract get record(): ServiceRecord;

  /** Makes one report; throws when the backend cannot be reached. */
  protected abstract report(): Promise<void>;

  start(): void {
    if (this.reportInterval <= 0 || this.#timer) return;
    this.#scheduleNext();
  }

  #scheduleNext(): void {
    this.#timer = this.clock.setTimer(this.reportInterval * 1000, () => {
      if (!this.#timer) return undefined;
      this.#running ??= this.beat().finally(() => {
        this.#running = null;
      });
      this.#scheduleNext();
      return this.#running;
    });
  }

  async beat(): Promise<void> {
    try {
      await this.report();
      if (this.#disconnected) {
        this.#disconnected = false;
        this.log.warn(this.messages.recovered);
      }
    } catch (err) {
      if (!this.#disconnected) {
        this.#disconnected = true;
        this.log.error({ err }, this.messages.lost);
      }
    }
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running;
  }
}
