/**
 * The typed caller side of one topic: method names, arguments and results are those its
 * contract declares, a call can only name a call and a cast only a cast, and each result
 * is decoded into the type the code uses before the caller sees it.
 */
import type { RequestContext } from '../context/context.js';
import { RpcClient } from './client.js';
import type { AnyContract, ArgsOf, CallName, CastName, Endpoint, FanoutName, MethodName, MethodSpec, ResultOf } from './contract.js';
import { contractEndpoint } from './contract.js';
import { DirectTransport } from './direct-transport.js';
import type { Transport } from './transport.js';

export interface ContractCallOptions {
  /** Seconds; defaults to the transport's rpc_response_timeout. */
  timeout?: number;
  /** Send to `<topic>.<server>` instead of the shared `<topic>` queue. */
  server?: string | null;
}

export interface ContractCastOptions {
  server?: string | null;
}

export class ContractClient<C extends AnyContract> {
  readonly contract: C;
  readonly #rpc: RpcClient;

  /** `topic` overrides the contract's default (the `*_topic` options). */
  constructor(transport: Transport, contract: C, topic: string = contract.topic) {
    this.contract = contract;
    this.#rpc = new RpcClient(transport, topic, contract.baseVersion, contract.errors);
  }

  get topic(): string {
    return this.#rpc.topic;
  }

  /** Runs the method remotely and returns its decoded result; throws its error, or MessagingTimeout. */
  async call<N extends CallName<C>>(
    ctx: RequestContext,
    method: N,
    args: ArgsOf<C, N>,
    opts: ContractCallOptions = {},
  ): Promise<ResultOf<C, N>> {
    const spec = this.#spec(method);
    const wire = await this.#rpc.call(ctx, method, spec.args.encode(args) as Record<string, unknown>, {
      version: spec.version,
      ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
      ...(opts.server ? { server: opts.server } : {}),
    });
    return spec.result.decode(wire) as ResultOf<C, N>;
  }

  /** Sends the method without waiting for it to run. */
  async cast<N extends CastName<C>>(ctx: RequestContext, method: N, args: ArgsOf<C, N>, opts: ContractCastOptions = {}): Promise<void> {
    const spec = this.#spec(method);
    await this.#rpc.cast(ctx, method, spec.args.encode(args) as Record<string, unknown>, {
      version: spec.version,
      ...(opts.server ? { server: opts.server } : {}),
    });
  }

  /** Sends the method to every server of the topic. */
  async fanoutCast<N extends FanoutName<C>>(ctx: RequestContext, method: N, args: ArgsOf<C, N>): Promise<void> {
    const spec = this.#spec(method);
    await this.#rpc.fanoutCast(ctx, method, spec.args.encode(args) as Record<string, unknown>, { version: spec.version });
  }

  #spec(method: MethodName<C>): MethodSpec {
    return (this.contract.methods as Record<string, MethodSpec>)[method] as MethodSpec;
  }
}

/**
 * A client that runs the methods in this process (Nova's `use_local`): each request goes
 * through the same JSON encoding, argument decoding and error re-creation as over the bus,
 * only without the bus.
 */
export function localClient<C extends AnyContract>(contract: C, impl: Endpoint<C>): ContractClient<C> {
  return new ContractClient(new DirectTransport(contractEndpoint(contract, impl), contract.topic), contract);
}
