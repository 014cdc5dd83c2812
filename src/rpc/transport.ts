/**
 * What the RPC client and server need from a message bus. Two implementations: the
 * in-process LocalTransport and the RabbitMQ AmqpTransport; the bus contract suite
 * (test/integration/rpc/bus-contract.ts) holds both to the same behaviour.
 */
import type { CallOutcome, RpcMessage } from './wire.js';

/** Where a message goes: the shared topic queue, one host's queue, or every consumer of the topic. */
export type Target =
  | { readonly kind: 'topic'; readonly topic: string }
  | { readonly kind: 'host'; readonly topic: string; readonly host: string }
  | { readonly kind: 'fanout'; readonly topic: string };

export function topicTarget(topic: string, host?: string | null): Target {
  return host ? { kind: 'host', topic, host } : { kind: 'topic', topic };
}

/** The routing key / queue name of a point-to-point target (`<topic>` or `<topic>.<host>`). */
export function routingKey(target: Target): string {
  return target.kind === 'host' ? `${target.topic}.${target.host}` : target.topic;
}

export interface CallOptions {
  /** How long to wait for the reply stream to end, in milliseconds. */
  timeoutMs: number;
  /** The caller chose the timeout: Nova then adds a `ttl` header (ms) to the request. */
  explicitTimeout?: boolean;
}

/** Sends the outcome of one request back to its caller. */
export interface Replier {
  reply(outcome: CallOutcome): Promise<void>;
}

/**
 * Handles one received request. `replier` is null for casts. Its promise settling is what
 * "handled" means: AMQP acks then, and a stopping consumer waits for it.
 */
export type RequestHandler = (message: RpcMessage, replier: Replier | null) => Promise<void>;

/** A running subscription; stop() stops receiving and waits for the handlers in flight. */
export interface Consumer {
  stop(): Promise<void>;
}

export interface Transport {
  /** `rpc_response_timeout` in seconds: what a call waits when the caller names no timeout. */
  readonly responseTimeout: number;
  /**
   * For a bus that lives inside this process: when it began. Nothing sent before then can
   * be waiting in it (start-up recovery relies on that). Absent for a broker, whose queues
   * outlive the processes that use them.
   */
  readonly heldOnlySince?: Date;
  /**
   * For a bus that lives inside this process: waits until every message it delivered has
   * been handled, so that a stopping process loses nothing it accepted. A broker keeps
   * undelivered messages itself and has no such method.
   */
  drain?(): Promise<void>;
  /**
   * Publishes a request that expects no reply. Resolves once the bus holds it (AMQP: the
   * broker confirmed it); while the bus is unreachable it waits rather than dropping it.
   */
  cast(target: Target, message: RpcMessage): Promise<void>;
  /**
   * Publishes a request with a fresh `_msg_id` and resolves with its outcome. Rejects with
   * MessagingTimeout when the reply stream has not ended within `timeoutMs`.
   */
  call(target: Target, message: RpcMessage, options: CallOptions): Promise<CallOutcome>;
  /** Consumes `<topic>` (shared with other consumers), `<topic>.<host>` and the topic's fanout. */
  consume(topic: string, host: string, handler: RequestHandler): Promise<Consumer>;
  /** Releases the bus connection. Waiting calls and publishes fail with TransportClosed. */
  close(): Promise<void>;
}
