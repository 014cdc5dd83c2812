/**
 * Runs one received request against an endpoint: checks the requested version against the
 * endpoint's, finds the named method, calls it and captures its result or its error. Used
 * by RpcServer for requests off the bus and by DirectTransport for in-process calls, so
 * both go through the same checks.
 */
import { UnsupportedRpcVersion } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { RequestContext } from '../context/context.js';
import { UnknownRpcMethod } from './errors.js';
import { serializeFailure } from './remote-error.js';
import { isCompatible } from './version.js';
import type { CallOutcome, RpcMessage } from './wire.js';

const log = getLogger('nova.rpc.dispatcher');

/** A version missing from a request means 1.0, as in Nova. */
const DEFAULT_REQUEST_VERSION = '1.0';

/**
 * What requests are dispatched to. Methods are named as on the wire and called as
 * `method(ctx, args)`; only the names in `rpcMethods` are callable. A service's endpoint
 * is built from its contract (contractEndpoint in contract.ts), never written by hand.
 */
export interface RpcEndpoint {
  readonly RPC_API_VERSION: string;
  readonly rpcMethods: readonly string[];
}

type EndpointMethod = (ctx: RequestContext, args: Record<string, unknown>) => unknown;

export class Dispatcher {
  readonly endpoint: RpcEndpoint;
  /** Names the service in log lines. */
  readonly topic: string;

  constructor(endpoint: RpcEndpoint, topic: string) {
    this.endpoint = endpoint;
    this.topic = topic;
  }

  /**
   * Runs one decoded request; never throws. The method gets the caller's context, request
   * id included, so what it logs through `log.for(ctx)` is found under the caller's id. A
   * failed cast (nobody to reply to) is logged as a warning.
   */
  async dispatch(message: RpcMessage, replying: boolean): Promise<CallOutcome> {
    const method = message.method;
    if (typeof method !== 'string') {
      return { kind: 'result', value: `No method for message: ${JSON.stringify(message)}` };
    }
    const ctx = RequestContext.fromWire(message);
    const debug = log.isLevelEnabled('debug');
    try {
      const version = typeof message.version === 'string' ? message.version : DEFAULT_REQUEST_VERSION;
      if (!isCompatible(this.endpoint.RPC_API_VERSION, version)) {
        throw new UnsupportedRpcVersion(`Specified RPC version, ${version}, not supported by this endpoint.`, { kwargs: { version } });
      }
      const fn = this.#lookup(method);
      if (debug) log.for(ctx).debug({ topic: this.topic, method }, 'handling RPC request');
      const args = typeof message.args === 'object' && message.args !== null && !Array.isArray(message.args) ? message.args : {};
      const value = await fn.call(this.endpoint, ctx, args as Record<string, unknown>);
      return { kind: 'result', value: value ?? null };
    } catch (err) {
      if (!replying) log.for(ctx).warn({ err, topic: this.topic, method }, 'cast failed');
      else if (debug) log.for(ctx).debug({ err, topic: this.topic, method }, 'RPC method raised');
      return { kind: 'failure', failure: serializeFailure(err) };
    }
  }

  #lookup(method: string): EndpointMethod {
    const fn: unknown = this.endpoint.rpcMethods.includes(method)
      ? (this.endpoint as unknown as Record<string, unknown>)[method]
      : undefined;
    if (typeof fn !== 'function') throw new UnknownRpcMethod(method);
    return fn as EndpointMethod;
  }
}
