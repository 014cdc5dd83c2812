/**
 * The untyped caller side of RPC for one topic: builds the flat 1.0 request with the
 * context folded in, sends it, and turns a remote failure back into the typed error the
 * endpoint threw. Services talk through ContractClient (contract-client.ts), which sits
 * on this and checks method names, arguments and results against the topic's contract.
 */
import type { RequestContext } from '../context/context.js';
import { BASE_ERRORS, type ErrorTable } from './error-table.js';
import { deserializeFailure } from './remote-error.js';
import { type Target, type Transport, topicTarget } from './transport.js';
import { newId, type RpcMessage } from './wire.js';

export interface CallOpts {
  /** Version put in the message; defaults to the client's base version. */
  version?: string;
  /** Seconds; defaults to the transport's rpc_response_timeout. */
  timeout?: number;
  /** Send to `<topic>.<server>` instead of the shared `<topic>` queue. */
  server?: string | null;
}

export type CastOpts = Omit<CallOpts, 'timeout'>;
export type FanoutOpts = Pick<CallOpts, 'version'>;

export class RpcClient {
  readonly transport: Transport;
  readonly topic: string;
  readonly baseVersion: string;
  /** The error classes a remote failure may be re-created as. */
  readonly errors: ErrorTable;

  constructor(transport: Transport, topic: string, baseVersion: string, errors: ErrorTable = BASE_ERRORS) {
    this.transport = transport;
    this.topic = topic;
    this.baseVersion = baseVersion;
    this.errors = errors;
  }

  /** Sends a request and returns the remote method's result; throws its error, or MessagingTimeout. */
  async call<T = unknown>(ctx: RequestContext, method: string, args: Record<string, unknown> = {}, opts: CallOpts = {}): Promise<T> {
    const explicit = opts.timeout !== undefined;
    const timeoutSeconds = opts.timeout ?? this.transport.responseTimeout;
    const outcome = await this.transport.call(this.#target(opts.server), this.#message(ctx, method, args, opts.version), {
      timeoutMs: timeoutSeconds * 1000,
      explicitTimeout: explicit,
    });
    if (outcome.kind === 'failure') throw deserializeFailure(outcome.failure, this.errors);
    return outcome.value as T;
  }

  /** Sends a request without waiting for it to run. */
  async cast(ctx: RequestContext, method: string, args: Record<string, unknown> = {}, opts: CastOpts = {}): Promise<void> {
    await this.transport.cast(this.#target(opts.server), this.#message(ctx, method, args, opts.version));
  }

  /** Sends a request to every server of the topic. */
  async fanoutCast(ctx: RequestContext, method: string, args: Record<string, unknown> = {}, opts: FanoutOpts = {}): Promise<void> {
    await this.transport.cast({ kind: 'fanout', topic: this.topic }, this.#message(ctx, method, args, opts.version));
  }

  #target(server: string | null | undefined): Target {
    return topicTarget(this.topic, server);
  }

  #message(ctx: RequestContext, method: string, args: Record<string, unknown>, version: string | undefined): RpcMessage {
    return { method, args, version: version ?? this.baseVersion, _unique_id: newId(), ...ctx.toWire() };
  }
}
