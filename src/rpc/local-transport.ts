/**
 * The in-process bus: what nova-all and the functional tests use. Services of one process
 * share one LocalBus; every message is turned into JSON text and parsed again on delivery,
 * so a handler sees exactly what it would see over RabbitMQ.
 */
import { getLogger } from '../common/log.js';
import { TransportClosed } from './errors.js';
import { PendingCalls } from './pending-calls.js';
import { RecentIds } from './recent-ids.js';
import {
  type CallOptions,
  type Consumer,
  type Replier,
  type RequestHandler,
  routingKey,
  type Target,
  type Transport,
} from './transport.js';
import { type CallOutcome, decodeReply, decodeRequest, encode, newId, type RpcMessage, replyBodies } from './wire.js';

const log = getLogger('nova.rpc.local');

/** How many recent `_unique_id`s each subscription remembers to drop duplicates. */
const DUPLICATE_WINDOW = 256;

interface Subscription {
  readonly id: number;
  deliver(text: string): void;
}

/** A named queue: messages wait here while nobody consumes, and go round robin otherwise. */
class LocalQueue {
  readonly subscribers: Subscription[] = [];
  readonly backlog: string[] = [];
  #next = 0;

  push(text: string): void {
    if (this.subscribers.length === 0) {
      this.backlog.push(text);
      return;
    }
    const sub = this.subscribers[this.#next % this.subscribers.length] as Subscription;
    this.#next = (this.#next + 1) % this.subscribers.length;
    sub.deliver(text);
  }

  attach(sub: Subscription): void {
    this.subscribers.push(sub);
    for (const text of this.backlog.splice(0)) this.push(text);
  }

  detach(sub: Subscription): void {
    const i = this.subscribers.indexOf(sub);
    if (i >= 0) this.subscribers.splice(i, 1);
  }
}

/** One process-wide bus: queues by name, fanout subscribers by topic, callers awaiting replies by `_msg_id`. */
export class LocalBus {
  /** Nothing published before this moment can be in the bus. */
  readonly createdAt = new Date();
  readonly #queues = new Map<string, LocalQueue>();
  readonly #fanout = new Map<string, Set<Subscription>>();
  readonly #waiters = new Map<string, (text: string) => void>();
  #subscriptionIds = 0;
  /** Messages delivered to a consumer whose handler has not finished. */
  #handling = 0;
  #onIdle: Array<() => void> = [];

  /**
   * Counts one delivered message as being handled until the returned function is called.
   * A handler that publishes does so before it finishes, so the count reaching zero means
   * no consumer has anything left to do.
   */
  beginHandling(): () => void {
    this.#handling++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#handling--;
      if (this.#handling === 0) for (const resolve of this.#onIdle.splice(0)) resolve();
    };
  }

  /** Resolves once no consumer is handling a message (messages for queues nobody consumes are not waited for). */
  async drained(): Promise<void> {
    while (this.#handling > 0) await new Promise<void>((resolve) => this.#onIdle.push(resolve));
  }

  publish(target: Target, text: string): void {
    if (target.kind === 'fanout') {
      for (const sub of this.#fanout.get(target.topic) ?? []) sub.deliver(text);
      return;
    }
    const name = routingKey(target);
    const queue = this.#queues.get(name);
    if (!queue) {
      // As with an AMQP exchange: a key nobody ever declared a queue for routes nowhere.
      log.warn({ queue: name }, 'no queue for message; dropped');
      return;
    }
    queue.push(text);
  }

  subscribe(topic: string, host: string, deliver: (text: string) => void): () => void {
    const sub: Subscription = { id: ++this.#subscriptionIds, deliver };
    const queues = [topic, `${topic}.${host}`].map((name) => this.#queue(name));
    for (const q of queues) q.attach(sub);
    let fan = this.#fanout.get(topic);
    if (!fan) {
      fan = new Set();
      this.#fanout.set(topic, fan);
    }
    fan.add(sub);
    return () => {
      for (const q of queues) q.detach(sub);
      this.#fanout.get(topic)?.delete(sub);
    };
  }

  expectReplies(msgId: string, onReply: (text: string) => void): () => void {
    this.#waiters.set(msgId, onReply);
    return () => this.#waiters.delete(msgId);
  }

  reply(msgId: string, text: string): void {
    const waiter = this.#waiters.get(msgId);
    if (waiter) waiter(text);
    else log.debug({ msgId }, 'reply for a call nobody waits on; dropped');
  }

  #queue(name: string): LocalQueue {
    let q = this.#queues.get(name);
    if (!q) {
      q = new LocalQueue();
      this.#queues.set(name, q);
    }
    return q;
  }
}

let processBus: LocalBus | null = null;

/** The bus every LocalTransport of this process shares unless given another. */
export function processLocalBus(): LocalBus {
  processBus ??= new LocalBus();
  return processBus;
}

export interface LocalTransportOptions {
  bus?: LocalBus;
  /** rpc_response_timeout, seconds. */
  responseTimeout?: number;
}

export class LocalTransport implements Transport {
  readonly responseTimeout: number;
  readonly #bus: LocalBus;
  readonly #pending = new PendingCalls();
  readonly #consumers = new Set<LocalConsumer>();
  #closed = false;

  get heldOnlySince(): Date {
    return this.#bus.createdAt;
  }

  constructor(options: LocalTransportOptions = {}) {
    this.#bus = options.bus ?? processLocalBus();
    this.responseTimeout = options.responseTimeout ?? 60;
  }

  async cast(target: Target, message: RpcMessage): Promise<void> {
    this.#assertOpen();
    this.#bus.publish(target, encode({ ...message, _unique_id: message._unique_id ?? newId() }));
  }

  call(target: Target, message: RpcMessage, options: CallOptions): Promise<CallOutcome> {
    this.#assertOpen();
    const msgId = newId();
    const stopListening = this.#bus.expectReplies(msgId, (text) => {
      const reply = decodeReply(text);
      if (reply) this.#pending.accept(msgId, reply);
    });
    const outcome = this.#pending.start(msgId, options.timeoutMs, stopListening);
    this.#bus.publish(target, encode({ ...message, _unique_id: message._unique_id ?? newId(), _msg_id: msgId }));
    return outcome;
  }

  async consume(topic: string, host: string, handler: RequestHandler): Promise<Consumer> {
    this.#assertOpen();
    const consumer = new LocalConsumer(this.#bus, topic, host, handler, () => this.#consumers.delete(consumer));
    this.#consumers.add(consumer);
    return consumer;
  }

  /** Waits until every message this process's services were given has been handled. */
  drain(): Promise<void> {
    return this.#bus.drained();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.failAll(new TransportClosed());
    await Promise.all([...this.#consumers].map((c) => c.stop()));
  }

  #assertOpen(): void {
    if (this.#closed) throw new TransportClosed();
  }
}

class LocalConsumer implements Consumer {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #recent = new RecentIds(DUPLICATE_WINDOW);
  readonly #unsubscribe: () => void;
  readonly #bus: LocalBus;
  readonly #handler: RequestHandler;
  readonly #onStopped: () => void;
  #stopped = false;

  constructor(bus: LocalBus, topic: string, host: string, handler: RequestHandler, onStopped: () => void) {
    this.#bus = bus;
    this.#handler = handler;
    this.#onStopped = onStopped;
    this.#unsubscribe = bus.subscribe(topic, host, (text) => this.#receive(text));
  }

  #receive(text: string): void {
    // Deliver on a later turn, as a network bus would: the publisher never runs the handler inline.
    const handled = this.#bus.beginHandling();
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#handle(text));
    this.#inFlight.add(run);
    void run.finally(() => {
      this.#inFlight.delete(run);
      handled();
    });
  }

  async #handle(text: string): Promise<void> {
    let message: RpcMessage;
    try {
      message = decodeRequest(text);
    } catch (err) {
      log.error({ err }, 'undecodable message; skipped');
      return;
    }
    const uniqueId = message._unique_id;
    if (typeof uniqueId === 'string' && !this.#recent.add(uniqueId)) {
      log.info({ uniqueId }, 'duplicate message ignored');
      return;
    }
    const msgId = typeof message._msg_id === 'string' ? message._msg_id : undefined;
    const replier: Replier | null = msgId === undefined ? null : { reply: async (outcome) => this.#reply(msgId, outcome) };
    try {
      await this.#handler(message, replier);
    } catch (err) {
      log.error({ err }, 'Failed to process message... skipping it.');
    }
  }

  #reply(msgId: string, outcome: CallOutcome): void {
    for (const body of replyBodies(outcome, msgId)) this.#bus.reply(msgId, encode(body));
  }

  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#unsubscribe();
      this.#onStopped();
    }
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
