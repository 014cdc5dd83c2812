/**
 * One declaration per RPC topic of every method it serves: wire name, how it is sent (call,
 * cast or fanout cast), the version a client puts in the message, and the codecs of its
 * arguments and result. The client (ContractClient) and the manager's endpoint type are
 * both derived from it, so neither side can drift from the other (docs/rpc-contracts.md).
 */
import type { RequestContext } from '../context/context.js';
import { type Codec, nothing, WireFormatError } from './codec.js';
import type { RpcEndpoint } from './dispatcher.js';
import { BASE_ERRORS, type ErrorTable, errorTable } from './error-table.js';
import { InvalidRpcArguments } from './errors.js';

/** `call` waits for the result; `cast` and `fanout` (to every server of the topic) do not. */
export type MethodKind = 'call' | 'cast' | 'fanout';

export interface MethodSpec<K extends MethodKind = MethodKind, A = unknown, R = unknown> {
  readonly kind: K;
  /** What a client puts in the message: the lowest server version that has the method as declared. */
  readonly version: string;
  readonly args: Codec<A>;
  readonly result: Codec<R>;
}

// biome-ignore lint/suspicious/noExplicitAny: a method table holds specs of every argument and result type
type AnySpec = MethodSpec<MethodKind, any, any>;
export type MethodTable = Readonly<Record<string, AnySpec>>;

export interface Contract<M extends MethodTable = MethodTable> {
  /** The topic's default name (an option may rename it). */
  readonly topic: string;
  /** The version a request without one is taken for (the client's base version). */
  readonly baseVersion: string;
  /** The version the manager serves: requests up to this minor of the same major are accepted. */
  readonly version: string;
  readonly methods: M;
  /** The error classes a caller re-creates from a failure of this topic's methods. */
  readonly errors: ErrorTable;
}

export function call<A, R>(version: string, args: Codec<A>, result: Codec<R>): MethodSpec<'call', A, R> {
  return { kind: 'call', version, args, result };
}

export function cast<A>(version: string, args: Codec<A>): MethodSpec<'cast', A, void> {
  return { kind: 'cast', version, args, result: nothing };
}

export function fanoutCast<A>(version: string, args: Codec<A>): MethodSpec<'fanout', A, void> {
  return { kind: 'fanout', version, args, result: nothing };
}

/** A contract; its error table always includes the shared hierarchy and the RPC layer's errors. */
export function defineContract<const M extends MethodTable>(contract: Contract<M>): Contract<M> {
  return { ...contract, errors: errorTable(BASE_ERRORS, contract.errors) };
}

// biome-ignore lint/suspicious/noExplicitAny: matches a contract of any method table
export type AnyContract = Contract<any>;
type MethodsOf<C extends AnyContract> = C['methods'];
export type MethodName<C extends AnyContract> = keyof MethodsOf<C> & string;
type SpecOf<C extends AnyContract, N extends MethodName<C>> = MethodsOf<C>[N];

export type ArgsOf<C extends AnyContract, N extends MethodName<C>> =
  SpecOf<C, N> extends MethodSpec<MethodKind, infer A, unknown> ? A : never;
export type ResultOf<C extends AnyContract, N extends MethodName<C>> =
  SpecOf<C, N> extends MethodSpec<MethodKind, unknown, infer R> ? R : never;

type NamesOfKind<C extends AnyContract, K extends MethodKind> = {
  [N in MethodName<C>]: SpecOf<C, N>['kind'] extends K ? N : never;
}[MethodName<C>];
export type CallName<C extends AnyContract> = NamesOfKind<C, 'call'>;
export type CastName<C extends AnyContract> = NamesOfKind<C, 'cast'>;
export type FanoutName<C extends AnyContract> = NamesOfKind<C, 'fanout'>;

/**
 * What a manager must implement to serve a contract: every method, taking exactly the
 * declared arguments (decoded) and returning the declared result. A cast's return value
 * goes nowhere, so it may be anything.
 */
export type Endpoint<C extends AnyContract> = {
  readonly [N in MethodName<C>]: (
    ctx: RequestContext,
    args: ArgsOf<C, N>,
  ) => Promise<SpecOf<C, N>['kind'] extends 'call' ? ResultOf<C, N> : unknown>;
};

type ImplMethod = (ctx: RequestContext, args: unknown) => Promise<unknown>;

/**
 * The RpcEndpoint that serves a contract with `impl`: callable names are the contract's,
 * each request's arguments are decoded (and validated) before `impl` sees them, and a
 * call's result is encoded for the wire.
 */
export function contractEndpoint<C extends AnyContract>(contract: C, impl: Endpoint<C>): RpcEndpoint {
  const methods = contract.methods as MethodTable;
  const endpoint: Record<string, unknown> = { RPC_API_VERSION: contract.version, rpcMethods: Object.keys(methods) };
  for (const [name, spec] of Object.entries(methods)) {
    const fn = (impl as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new Error(`the ${contract.topic} endpoint lacks ${name}`);
    endpoint[name] = async (ctx: RequestContext, wire: unknown): Promise<unknown> => {
      let args: unknown;
      try {
        args = spec.args.decode(wire);
      } catch (err) {
        if (err instanceof WireFormatError) throw new InvalidRpcArguments(name, err.message);
        throw err;
      }
      const result = await (fn as ImplMethod).call(impl, ctx, args);
      return spec.kind === 'call' ? spec.result.encode(result) : null;
    };
  }
  return endpoint as unknown as RpcEndpoint;
}
