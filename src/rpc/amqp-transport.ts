/**
 * RabbitMQ transport, on amqplib's promise API, with the topology of Grizzly's
 * nova/openstack/common/rpc/impl_kombu.py.
 *
 * Topology: topic exchange `<control_exchange>` with queues `<topic>` and `<topic>.<host>`
 * (competing consumers); fanout exchange `<topic>_fanout` with one auto-delete queue
 * `<topic>_fanout_<hex>` per consumer; one reply queue `reply_<hex>` per transport, replies
 * routed to the waiting call by `_msg_id` (Nova's "shared reply queue" mode).
 *
 * Delivery: publishes go through a confirm channel and are `mandatory`, so a publish
 * resolves only once the broker has routed it to a queue. While the broker is unreachable
 * publishes wait for the reconnect (calls no longer than their timeout); a message that
 * routes nowhere (its queue not yet re-declared after a broker restart) is retried for a
 * while, then dropped with a warning. Requests are acked after their handler settles; a
 * redelivery of a message already seen is recognised by `_unique_id` and skipped.
 */
import { type ConsumeMessage, connect, type Options } from 'amqplib';
import { MessagingTimeout } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { AmqpConsumer } from './amqp-consumer.js';
import type { Link } from './amqp-link.js';
import { TransportClosed } from './errors.js';
import { PendingCalls } from './pending-calls.js';
import { type CallOptions, type Consumer, type RequestHandler, routingKey, type Target, type Transport } from './transport.js';
import type { BrokerAddress } from './transport-url.js';
import { type CallOutcome, decodeReply, encode, newId, type RpcMessage, replyBodies } from './wire.js';

const log = getLogger('nova.rpc.amqp');

export interface AmqpTransportOptions {
  /** Brokers tried in turn when (re)connecting. */
  brokers: BrokerAddress[];
  virtualHost?: string;
  /** Name of the topic exchange (control_exchange). Default `nova`. */
  controlExchange?: string;
  /** rpc_response_timeout, seconds. Default 60. */
  responseTimeout?: number;
  /** Seconds before the first reconnect attempt (rabbit_retry_interval). Default 1. */
  retryInterval?: number;
  /** Seconds added per failed attempt (rabbit_retry_backoff). Default 2. */
  retryBackoff?: number;
  /** Attempts before giving up for good; 0 = forever (rabbit_max_retries). Default 0. */
  maxRetries?: number;
  /** rabbit_durable_queues. Default false. */
  durableQueues?: boolean;
  /** rabbit_ha_queues: adds `x-ha-policy: all` to declared queues. Default false. */
  haQueues?: boolean;
  /** Requests handled at once per queue (Nova's rpc_thread_pool_size). Default 64. */
  prefetch?: number;
  /** How long a message no queue accepts is retried before it is dropped, ms. Default 10 000. */
  unroutableRetryMs?: number;
  /** AMQP heartbeat, seconds. Default 15. */
  heartbeat?: number;
}

/** Longest pause between reconnect attempts, whatever the backoff says. */
const MAX_RETRY_DELAY_SECONDS = 30;
const UNROUTABLE_RETRY_INTERVAL_MS = 200;
const CONNECT_TIMEOUT_MS = 10_000;

interface Outgoing {
  exchange: string;
  routingKey: string;
  body: Buffer;
  /** Declare this fanout exchange first (it is auto-delete, so it may have vanished). */
  fanoutExchange?: string;
  headers?: Record<string, unknown>;
  /** Give up waiting for the broker at this time (epoch ms); calls only. */
  deadline?: number;
}

interface LinkWaiter {
  resolve(link: Link): void;
  reject(err: Error): void;
}

export class AmqpTransport implements Transport {
  readonly responseTimeout: number;
  readonly #opts: Required<Omit<AmqpTransportOptions, 'virtualHost'>> & { virtualHost: string };
  #link: Link | null = null;
  #generation = 0;
  #closed = false;
  #fatal: Error | null = null;
  #connecting: Promise<void> | null = null;
  #cancelSleep: (() => void) | null = null;
  readonly #linkWaiters = new Set<LinkWaiter>();
  readonly #consumers = new Set<AmqpConsumer>();
  readonly #pending = new PendingCalls();
  #replyQueue: string | null = null;
  #publishSeq = 0;

  private constructor(options: AmqpTransportOptions) {
    if (options.brokers.length === 0) throw new Error('AmqpTransport needs at least one broker');
    this.#opts = {
      brokers: options.brokers,
      virtualHost: options.virtualHost ?? '/',
      controlExchange: options.controlExchange ?? 'nova',
      responseTimeout: options.responseTimeout ?? 60,
      retryInterval: options.retryInterval ?? 1,
      retryBackoff: options.retryBackoff ?? 2,
      maxRetries: options.maxRetries ?? 0,
      durableQueues: options.durableQueues ?? false,
      haQueues: options.haQueues ?? false,
      prefetch: options.prefetch ?? 64,
      unroutableRetryMs: options.unroutableRetryMs ?? 10_000,
      heartbeat: options.heartbeat ?? 15,
    };
    this.responseTimeout = this.#opts.responseTimeout;
  }

  /** Connects (retrying per the reconnect policy) and resolves once the broker is reachable. */
  static async connect(options: AmqpTransportOptions): Promise<AmqpTransport> {
    const transport = new AmqpTransport(options);
    transport.#reconnect();
    await transport.#whenLinked();
    return transport;
  }

  /** Whether a broker connection is up right now (false while reconnecting). */
  get connected(): boolean {
    return this.#link !== null;
  }

  // ---- Transport ------------------------------------------------------------------

  async cast(target: Target, message: RpcMessage): Promise<void> {
    this.#assertUsable();
    const body = { ...message, _unique_id: message._unique_id ?? newId() };
    await this.#publish(this.#outgoing(target, body));
  }

  async call(target: Target, message: RpcMessage, options: CallOptions): Promise<CallOutcome> {
    this.#assertUsable();
    const deadline = Date.now() + options.timeoutMs;
    const msgId = newId();
    const outcome = this.#pending.start(msgId, options.timeoutMs);
    void (async () => {
      const replyQueue = await this.#ensureReplyQueue(deadline);
      const body = { ...message, _unique_id: message._unique_id ?? newId(), _msg_id: msgId, _reply_q: replyQueue };
      const out = this.#outgoing(target, body);
      if (options.explicitTimeout) out.headers = { ttl: options.timeoutMs };
      out.deadline = deadline;
      await this.#publish(out);
    })().catch((err: unknown) => this.#pending.fail(msgId, err));
    return outcome;
  }

  async consume(topic: string, host: string, handler: RequestHandler): Promise<Consumer> {
    this.#assertUsable();
    const consumer = new AmqpConsumer(this, topic, host, handler);
    this.#consumers.add(consumer);
    try {
      for (;;) {
        const link = await this.#whenLinked();
        try {
          // A reconnect that happened meanwhile has attached it already.
          if (!consumer.isAttachedTo(link)) await consumer.attach(link);
          return consumer;
        } catch (err) {
          if (!link.broken) throw err;
        }
      }
    } catch (err) {
      this.#consumers.delete(consumer);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelSleep?.();
    const closed = new TransportClosed();
    for (const waiter of [...this.#linkWaiters]) waiter.reject(closed);
    this.#linkWaiters.clear();
    this.#pending.failAll(closed);
    const link = this.#link;
    this.#link = null;
    if (link) {
      link.broken = true;
      await link.model.close().catch(() => undefined);
    }
  }

  // ---- connection lifecycle -------------------------------------------------------

  #assertUsable(): void {
    if (this.#fatal) throw this.#fatal;
    if (this.#closed) throw new TransportClosed();
  }

  /** Starts the connect loop unless one runs already. */
  #reconnect(): void {
    if (this.#connecting || this.#closed) return;
    this.#connecting = this.#connectLoop().finally(() => {
      this.#connecting = null;
    });
  }

  async #connectLoop(): Promise<void> {
    const { brokers, maxRetries, retryInterval, retryBackoff } = this.#opts;
    let attempt = 0;
    while (!this.#closed) {
      const broker = brokers[attempt % brokers.length] as BrokerAddress;
      try {
        const link = await this.#open(broker);
        if (this.#closed) {
          await link.model.close().catch(() => undefined);
          return;
        }
        this.#link = link;
        log.info({ host: broker.host, port: broker.port, generation: link.generation }, 'connected to AMQP broker');
        for (const waiter of [...this.#linkWaiters]) waiter.resolve(link);
        this.#linkWaiters.clear();
        return;
      } catch (err) {
        attempt += 1;
        if (maxRetries > 0 && attempt >= maxRetries) {
          this.#giveUp(new TransportClosed(`AMQP broker unreachable after ${attempt} attempts: ${(err as Error).message}`));
          return;
        }
        const delay = Math.min(retryInterval + retryBackoff * (attempt - 1), MAX_RETRY_DELAY_SECONDS);
        log.warn({ err, host: broker.host, port: broker.port, attempt, delay }, 'AMQP connection failed; retrying');
        await this.#sleep(delay * 1000);
      }
    }
  }

  #giveUp(err: Error): void {
    this.#fatal = err;
    this.#closed = true;
    log.error({ err }, 'giving up on the AMQP broker');
    for (const waiter of [...this.#linkWaiters]) waiter.reject(err);
    this.#linkWaiters.clear();
    this.#pending.failAll(err);
  }

  /** Waits between reconnect attempts; close() cuts the wait short. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#cancelSleep = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#cancelSleep = done;
    });
  }

  /** Connects and re-creates everything this transport had declared: exchange, reply queue, consumers. */
  async #open(broker: BrokerAddress): Promise<Link> {
    const model = await connect(
      {
        protocol: 'amqp',
        hostname: broker.host,
        port: broker.port,
        username: broker.username,
        password: broker.password,
        vhost: this.#opts.virtualHost,
        heartbeat: this.#opts.heartbeat,
      },
      // noDelay: RPC messages are small and latency-bound; Nagle would hold each one back.
      { timeout: CONNECT_TIMEOUT_MS, noDelay: true, clientProperties: { connection_name: `nova-ts pid ${process.pid}` } },
    );
    try {
      const pub = await model.createConfirmChannel();
      const sub = await model.createChannel();
      const link: Link = { generation: ++this.#generation, model, pub, sub, returned: new Set(), broken: false };
      pub.on('return', (msg: { properties: { messageId?: string } }) => {
        if (msg.properties.messageId) link.returned.add(msg.properties.messageId);
      });
      const lost = (why: string) => (err?: Error) => this.#lost(link, why, err);
      model.on('error', (err: Error) => log.warn({ err }, 'AMQP connection error'));
      model.on('close', lost('connection closed'));
      for (const ch of [pub, sub]) {
        ch.on('error', (err: Error) => log.warn({ err }, 'AMQP channel error'));
        ch.on('close', lost('channel closed'));
      }
      await sub.prefetch(this.#opts.prefetch);
      await sub.assertExchange(this.#opts.controlExchange, 'topic', { durable: this.#opts.durableQueues, autoDelete: false });
      if (this.#replyQueue) {
        link.replyReady = this.#declareReplyQueue(link, this.#replyQueue);
        await link.replyReady;
      }
      for (const consumer of [...this.#consumers]) await consumer.attach(link);
      return link;
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
  }

  /** The link broke (broker restart, network, channel error): forget it and reconnect. */
  #lost(link: Link, why: string, err?: Error): void {
    if (link.broken) return;
    link.broken = true;
    if (this.#link !== link) return;
    this.#link = null;
    if (this.#closed) return;
    log.warn({ err, generation: link.generation }, `AMQP ${why}; reconnecting`);
    // A channel can fail while its connection lives on; drop both so the next link starts clean.
    link.model.close().catch(() => undefined);
    this.#reconnect();
  }

  /** The current link, waiting for a reconnect if there is none (until `deadline`, epoch ms). */
  #whenLinked(deadline?: number): Promise<Link> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#closed) return Promise.reject(new TransportClosed());
    if (this.#link) return Promise.resolve(this.#link);
    return new Promise<Link>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: LinkWaiter = {
        resolve: (link) => {
          clearTimeout(timer);
          resolve(link);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      if (deadline !== undefined) {
        timer = setTimeout(
          () => {
            this.#linkWaiters.delete(waiter);
            reject(new MessagingTimeout());
          },
          Math.max(0, deadline - Date.now()),
        );
      }
      this.#linkWaiters.add(waiter);
    });
  }

  // ---- publishing -----------------------------------------------------------------

  #outgoing(target: Target, body: RpcMessage): Outgoing {
    const buffer = Buffer.from(encode(body));
    if (target.kind === 'fanout') {
      const exchange = `${target.topic}_fanout`;
      return { exchange, routingKey: target.topic, body: buffer, fanoutExchange: exchange };
    }
    return { exchange: this.#opts.controlExchange, routingKey: routingKey(target), body: buffer };
  }

  /**
   * Publishes until the broker confirms it routed the message. Waits out disconnections;
   * retries a message no queue took for `unroutableRetryMs`, since after a broker restart
   * the consumer's queues come back only when that consumer reconnects. A fanout nobody
   * listens to is normal and not retried.
   */
  async #publish(out: Outgoing): Promise<void> {
    let unroutableSince: number | null = null;
    for (;;) {
      const link = await this.#whenLinked(out.deadline);
      let routed: boolean;
      try {
        if (out.fanoutExchange) {
          await link.pub.assertExchange(out.fanoutExchange, 'fanout', { durable: false, autoDelete: true });
        }
        routed = await this.#confirmedPublish(link, out);
      } catch (err) {
        if (this.#fatal) throw this.#fatal;
        if (this.#closed) throw new TransportClosed();
        if (!link.broken) {
          // The broker refused this one message (nack) on a healthy channel: try again shortly.
          log.warn({ err, exchange: out.exchange, routingKey: out.routingKey }, 'publish not confirmed; retrying');
          await delay(UNROUTABLE_RETRY_INTERVAL_MS);
        }
        continue;
      }
      if (routed || out.fanoutExchange) return;
      const now = Date.now();
      unroutableSince ??= now;
      const pastDeadline = out.deadline !== undefined && now + UNROUTABLE_RETRY_INTERVAL_MS >= out.deadline;
      if (now - unroutableSince >= this.#opts.unroutableRetryMs || pastDeadline) {
        log.warn({ exchange: out.exchange, routingKey: out.routingKey }, 'no queue is bound for this message; dropped');
        return;
      }
      await delay(UNROUTABLE_RETRY_INTERVAL_MS);
    }
  }

  /** Resolves true when routed to a queue, false when the broker returned it as unroutable. */
  #confirmedPublish(link: Link, out: Outgoing): Promise<boolean> {
    const messageId = `m${++this.#publishSeq}`;
    const options: Options.Publish = {
      mandatory: true,
      messageId,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      persistent: this.#opts.durableQueues && !out.fanoutExchange,
      ...(out.headers ? { headers: out.headers } : {}),
    };
    return new Promise<boolean>((resolve, reject) => {
      try {
        link.pub.publish(out.exchange, out.routingKey, out.body, options, (err: unknown) => {
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve(!link.returned.delete(messageId));
        });
      } catch (err) {
        reject(err);
      }
    });
  }

  /**
   * Sends a reply to a caller's queue through the default exchange, so a caller that has
   * gone away costs an unroutable message rather than a channel error. Used by consumers.
   */
  async sendReplies(replyQueue: string, outcome: CallOutcome, msgId: string): Promise<void> {
    for (const body of replyBodies(outcome, msgId)) {
      await this.#publish({ exchange: '', routingKey: replyQueue, body: Buffer.from(encode(body)) });
    }
  }

  // ---- replies --------------------------------------------------------------------

  async #ensureReplyQueue(deadline: number): Promise<string> {
    this.#replyQueue ??= `reply_${newId()}`;
    for (;;) {
      const link = await this.#whenLinked(deadline);
      link.replyReady ??= this.#declareReplyQueue(link, this.#replyQueue);
      try {
        await link.replyReady;
        return this.#replyQueue;
      } catch (err) {
        if (!link.broken) throw err;
      }
    }
  }

  async #declareReplyQueue(link: Link, name: string): Promise<void> {
    const ch = link.sub;
    await ch.assertExchange(name, 'direct', { durable: false, autoDelete: true });
    await ch.assertQueue(name, { durable: false, autoDelete: true, exclusive: false, arguments: this.queueArguments() });
    await ch.bindQueue(name, name, name);
    await ch.consume(name, (msg) => this.#onReply(msg), { noAck: true });
  }

  #onReply(msg: ConsumeMessage | null): void {
    if (!msg) return;
    let reply: ReturnType<typeof decodeReply>;
    try {
      reply = decodeReply(msg.content.toString('utf8'));
    } catch (err) {
      log.warn({ err }, 'undecodable reply; ignored');
      return;
    }
    const msgId = reply?._msg_id;
    if (!(reply && typeof msgId === 'string' && this.#pending.accept(msgId, reply))) {
      log.debug({ msgId }, 'reply for a call nobody waits on; ignored');
    }
  }

  // ---- for AmqpConsumer -----------------------------------------------------------

  get controlExchange(): string {
    return this.#opts.controlExchange;
  }

  get durableQueues(): boolean {
    return this.#opts.durableQueues;
  }

  queueArguments(): Record<string, unknown> | undefined {
    return this.#opts.haQueues ? { 'x-ha-policy': 'all' } : undefined;
  }

  isCurrent(link: Link): boolean {
    return this.#link === link && !link.broken;
  }

  forget(consumer: AmqpConsumer): void {
    this.#consumers.delete(consumer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
