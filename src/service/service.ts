import { type Clock, systemClock, type Timer } from '../common/clock.js';
import { getLogger } from '../common/log.js';
import { adminContext } from '../context/context.js';
import type { RpcEndpoint } from '../rpc/dispatcher.js';
import { DbHeartbeat } from '../servicegroup/db-driver.js';
import type { Heartbeat, ServiceRecord, ServiceRecordStore } from '../servicegroup/types.js';
import type { Manager } from './manager.js';

const log = getLogger('nova.service');

/** Something consuming a topic for a manager; stop() stops consuming and waits for in-flight calls. */
export interface RpcConsumer {
  stop(): Promise<void>;
}

/** Starts consuming `<topic>`, `<topic>.<host>` and the topic's fanout for an endpoint. */
export type ServeRpc = (topic: string, host: string, endpoint: RpcEndpoint) => Promise<RpcConsumer>;

export interface ServiceOptions {
  binary: string;
  topic: string;
  host: string;
  manager: Manager;
  /** The manager as its topic's contract serves it (contractEndpoint). */
  endpoint: RpcEndpoint;
  records: ServiceRecordStore;
  serveRpc: ServeRpc;
  reportInterval: number;
  periodicEnable: boolean;
  periodicFuzzyDelay: number;
  periodicIntervalMax: number | null;
  /** Heartbeats and periodic passes run on this clock; the system clock when absent. */
  clock?: Clock;
  /** The service group driver's heartbeat (servicegroup/factory.ts); the DB heartbeat when absent. */
  heartbeat?: (records: ServiceRecordStore, record: ServiceRecord, clock: Clock) => Heartbeat;
  /** Picks the fuzzy delay before the first periodic pass (0 ≤ r < 1); Math.random when absent. */
  random?: () => number;
}

/**
 * One Nova service: a binary on a host whose manager answers RPC on a topic, heartbeats
 * into the services table and runs periodic tasks. start() follows Nova's order:
 * init_host, service record, pre-start hook, consumers, post-start hook, heartbeat,
 * periodic tasks.
 */
export class Service {
  readonly binary: string;
  readonly topic: string;
  readonly host: string;
  readonly manager: Manager;
  readonly clock: Clock;
  #options: ServiceOptions;
  #consumer: RpcConsumer | null = null;
  #heartbeat: Heartbeat | null = null;
  #periodicTimer: Timer | null = null;
  #periodicRun: Promise<void> | null = null;
  #stopped = false;

  constructor(options: ServiceOptions) {
    this.#options = options;
    this.binary = options.binary;
    this.topic = options.topic;
    this.host = options.host;
    this.manager = options.manager;
    this.clock = options.clock ?? systemClock;
  }

  get record(): ServiceRecord | null {
    return this.#heartbeat?.record ?? null;
  }

  async start(): Promise<void> {
    log.info({ binary: this.binary, host: this.host }, `Starting ${this.topic} node`);
    await this.manager.initHost();
    const records = this.#options.records;
    const existing = await records.find(this.host, this.binary);
    const record = existing ?? (await records.create({ host: this.host, binary: this.binary, topic: this.topic, report_count: 0 }));
    this.#heartbeat = this.#options.heartbeat
      ? this.#options.heartbeat(records, record, this.clock)
      : new DbHeartbeat(records, record, this.#options.reportInterval, this.clock);
    // A record left by an earlier run carries that run's last heartbeat: report now, or the
    // service reads as down for up to a report_interval after a restart (schedulers skip the
    // host, deletes take the local path).
    if (existing) await this.#heartbeat.beat();
    await this.manager.preStartHook();
    this.#consumer = await this.#options.serveRpc(this.topic, this.host, this.#options.endpoint);
    await this.manager.postStartHook();
    this.#heartbeat.start();
    if (this.#options.periodicEnable) {
      const fuzzy = this.#options.periodicFuzzyDelay;
      this.#schedulePeriodic(fuzzy > 0 ? (this.#options.random ?? Math.random)() * fuzzy : 0);
    }
  }

  #schedulePeriodic(delaySeconds: number): void {
    if (this.#stopped) return;
    this.#periodicTimer = this.clock.setTimer(delaySeconds * 1000, () => {
      this.#periodicRun = this.manager
        .runPeriodicTasks(adminContext(), () => this.clock.now() / 1000)
        .then((idle) => {
          const max = this.#options.periodicIntervalMax;
          this.#schedulePeriodic(max !== null && max > 0 ? Math.min(idle, max) : idle);
        })
        .finally(() => {
          this.#periodicRun = null;
        });
      return this.#periodicRun;
    });
  }

  /** Stops consuming, lets in-flight calls finish, stops the timers. The record stays (Nova's stop, not kill). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#periodicTimer?.cancel();
    await this.#consumer?.stop();
    await this.#periodicRun;
    await this.#heartbeat?.stop();
    await this.manager.cleanupHost();
    log.info({ binary: this.binary, host: this.host }, 'stopped');
  }
}
