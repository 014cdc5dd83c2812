/**
 * The host side of RPC: receives requests on `<topic>`, `<topic>.<host>` and the topic's
 * fanout, checks the requested version against the endpoint's, runs the named method and
 * replies with its result or its error.
 */
import { UnsupportedRpcVersion } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { RequestContext } from '../context/context.js';
import { UnknownRpcMethod } from './errors.js';
import { serializeFailure } from './remote-error.js';
import type { Consumer, Replier, Transport } from './transport.js';
import { isCompatible } from './version.js';
import type { CallOutcome, RpcMessage } from './wire.js';

const log = getLogger('nova.rpc.server');

/** A version missing from a request means 1.0, as in Nova. */
const DEFAULT_REQUEST_VERSION = '1.0';

/**
 * What an RpcServer dispatches to (a service's manager). Methods are named as on the wire
 * and called as `method(ctx, args)`. When `rpcMethods` is given, only those names are callable.
 */
export interface RpcEndpoint {
  readonly RPC_API_VERSION: string;
  readonly rpcMethods?: readonly string[];
}

type EndpointMethod = (ctx: RequestContext, args: Record<string, unknown>) => unknown;

export class RpcServer {
  readonly transport: Transport;
  readonly topic: string;
  readonly host: string;
  readonly endpoint: RpcEndpoint;
  #consumer: Consumer | null = null;

  constructor(transport: Transport, topic: string, host: string, endpoint: RpcEndpoint) {
    this.transport = transport;
    this.topic = topic;
    this.host = host;
    this.endpoint = endpoint;
  }

  async start(): Promise<void> {
    if (this.#consumer) return;
    this.#consumer = await this.transport.consume(this.topic, this.host, (message, replier) => this.#handle(message, replier));
  }

  /** Stops receiving, then waits for the requests already being handled to finish and reply. */
  async stop(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = null;
    await consumer?.stop();
  }

  async #handle(message: RpcMessage, replier: Replier | null): Promise<void> {
    const outcome = await this.dispatch(message);
    if (replier) {
      await replier.reply(outcome);
    } else if (outcome.kind === 'failure') {
      log.warn({ method: message.method, failure: outcome.failure }, 'cast failed');
    }
  }

  /** Runs one decoded request against the endpoint; never throws. */
  async dispatch(message: RpcMessage): Promise<CallOutcome> {
    const method = message.method;
    if (typeof method !== 'string') {
      return { kind: 'result', value: `No method for message: ${JSON.stringify(message)}` };
    }
    const ctx = RequestContext.fromWire(message);
    try {
      const version = typeof message.version === 'string' ? message.version : DEFAULT_REQUEST_VERSION;
      if (!isCompatible(this.endpoint.RPC_API_VERSION, version)) {
        throw new UnsupportedRpcVersion(`Specified RPC version, ${version}, not supported by this endpoint.`, { kwargs: { version } });
      }
      const fn = this.#lookup(method);
      const args = typeof message.args === 'object' && message.args !== null && !Array.isArray(message.args) ? message.args : {};
      const value = await fn.call(this.endpoint, ctx, args as Record<string, unknown>);
      return { kind: 'result', value: value ?? null };
    } catch (err) {
      log.debug({ err, method, requestId: ctx.requestId }, 'RPC method raised');
      return { kind: 'failure', failure: serializeFailure(err) };
    }
  }

  #lookup(method: string): EndpointMethod {
    const allowed = this.endpoint.rpcMethods;
    const exposed = allowed ? allowed.includes(method) : !method.startsWith('_') && method !== 'constructor';
    const fn: unknown = exposed ? (this.endpoint as unknown as Record<string, unknown>)[method] : undefined;
    if (typeof fn !== 'function') throw new UnknownRpcMethod(method);
    return fn as EndpointMethod;
  }
}
