/**
 * The consuming side of the AMQP transport: the three subscriptions of one RPC server
 * (`<topic>`, `<topic>.<host>`, a fanout queue), acked once handled, deduplicated by
 * `_unique_id`, re-attached to each new connection after a reconnect.
 */
import type { ConsumeMessage } from 'amqplib';
import { getLogger } from '../common/log.js';
import { type Link, safely } from './amqp-link.js';
import { RecentIds } from './recent-ids.js';
import type { Consumer, Replier, RequestHandler } from './transport.js';
import { type CallOutcome, decodeRequest, newId, type RpcMessage } from './wire.js';

const log = getLogger('nova.rpc.amqp');

/** How many recent `_unique_id`s each consumer remembers to drop redeliveries. */
const DUPLICATE_WINDOW = 256;

/** What a consumer needs of its transport. */
export interface ConsumerHost {
  readonly controlExchange: string;
  readonly durableQueues: boolean;
  queueArguments(): Record<string, unknown> | undefined;
  /** Whether `link` is the transport's live connection. */
  isCurrent(link: Link): boolean;
  /** The consumer stopped: the transport no longer re-attaches it. */
  forget(consumer: AmqpConsumer): void;
  sendReplies(replyQueue: string, outcome: CallOutcome, msgId: string): Promise<void>;
}

/** The three subscriptions of one server; survives reconnects by re-attaching to each new link. */
export class AmqpConsumer implements Consumer {
  readonly #transport: ConsumerHost;
  readonly #topic: string;
  readonly #host: string;
  readonly #handler: RequestHandler;
  readonly #fanoutQueue: string;
  readonly #recent = new RecentIds(DUPLICATE_WINDOW);
  readonly #inFlight = new Set<Promise<void>>();
  #attached: { link: Link; tags: string[] } | null = null;
  #stopping = false;

  constructor(transport: ConsumerHost, topic: string, host: string, handler: RequestHandler) {
    this.#transport = transport;
    this.#topic = topic;
    this.#host = host;
    this.#handler = handler;
    this.#fanoutQueue = `${topic}_fanout_${newId()}`;
  }

  isAttachedTo(link: Link): boolean {
    return this.#attached?.link === link;
  }

  async attach(link: Link): Promise<void> {
    if (this.#stopping || this.isAttachedTo(link)) return;
    const t = this.#transport;
    const ch = link.sub;
    const args = t.queueArguments();
    const shared = { durable: t.durableQueues, autoDelete: false, exclusive: false, arguments: args };
    const queues = [this.#topic, `${this.#topic}.${this.#host}`];
    for (const q of queues) {
      await ch.assertQueue(q, shared);
      await ch.bindQueue(q, t.controlExchange, q);
    }
    const fanoutExchange = `${this.#topic}_fanout`;
    await ch.assertExchange(fanoutExchange, 'fanout', { durable: false, autoDelete: true });
    await ch.assertQueue(this.#fanoutQueue, { durable: false, autoDelete: true, exclusive: false, arguments: args });
    await ch.bindQueue(this.#fanoutQueue, fanoutExchange, this.#topic);
    const attached = { link, tags: [] as string[] };
    this.#attached = attached;
    for (const q of [...queues, this.#fanoutQueue]) {
      const { consumerTag } = await ch.consume(q, (msg) => this.#deliver(link, msg), { noAck: false });
      attached.tags.push(consumerTag);
    }
  }

  #deliver(link: Link, msg: ConsumeMessage | null): void {
    if (!msg) {
      // The broker cancelled us (queue deleted under us): rebuild everything on a fresh link.
      if (this.#transport.isCurrent(link)) link.model.close().catch(() => undefined);
      return;
    }
    if (this.#stopping) {
      safely(() => link.sub.nack(msg, false, true));
      return;
    }
    const run = this.#handle(link, msg);
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  async #handle(link: Link, msg: ConsumeMessage): Promise<void> {
    try {
      const message = decodeRequest(msg.content.toString('utf8'));
      const uniqueId = message._unique_id;
      if (typeof uniqueId === 'string' && !this.#recent.add(uniqueId)) {
        log.info({ uniqueId }, 'duplicate message ignored');
        return;
      }
      await this.#handler(message, this.#replierFor(message));
    } catch (err) {
      log.error({ err }, 'Failed to process message... skipping it.');
    } finally {
      // An ack belongs to the channel that delivered; after a reconnect the broker redelivers instead.
      if (!link.broken) safely(() => link.sub.ack(msg));
    }
  }

  #replierFor(message: RpcMessage): Replier | null {
    const msgId = message._msg_id;
    if (typeof msgId !== 'string') return null;
    // Without `_reply_q` the caller used Nova's per-call reply queue, named by the msg id.
    const replyQueue = typeof message._reply_q === 'string' ? message._reply_q : msgId;
    return { reply: (outcome) => this.#transport.sendReplies(replyQueue, outcome, msgId) };
  }

  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#transport.forget(this);
      const attached = this.#attached;
      if (attached && !attached.link.broken) {
        for (const tag of attached.tags) await attached.link.sub.cancel(tag).catch(() => undefined);
      }
    }
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
