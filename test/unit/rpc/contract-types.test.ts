/**
 * What the contracts make the compiler refuse. `npm run typecheck` checks this file: each
 * `@ts-expect-error` line must be an error, so a contract that stopped catching one of
 * these mistakes fails the typecheck. The runtime test only keeps node:test from calling
 * the file empty.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComputeEndpoint } from '../../../src/compute/contract.js';
import type { ConductorClient, ConductorContract, ConductorEndpoint } from '../../../src/conductor/contract.js';
import type { ConductorManager } from '../../../src/conductor/manager.js';
import type { RequestContext } from '../../../src/context/context.js';
import type { NetworkEndpoint } from '../../../src/network/contract.js';
import { plain } from '../../../src/rpc/codec.js';
import type { ArgsOf } from '../../../src/rpc/contract.js';
import { call, cast, defineContract, type Endpoint } from '../../../src/rpc/contract.js';
import type { ContractClient } from '../../../src/rpc/contract-client.js';
import { errorTable } from '../../../src/rpc/error-table.js';
import type { SchedulerClient } from '../../../src/scheduler/contract.js';

const toy = defineContract({
  topic: 'toy',
  baseVersion: '1.0',
  version: '1.1',
  errors: errorTable(),
  methods: {
    add: call('1.0', plain<{ a: number; b: number }>(), plain<number>()),
    note: cast('1.1', plain<{ text: string }>()),
  },
});
type Toy = typeof toy;

// A manager that implements every method with the declared arguments and results compiles.
export class GoodToy implements Endpoint<Toy> {
  async add(_ctx: RequestContext, args: ArgsOf<Toy, 'add'>): Promise<number> {
    return args.a + args.b;
  }
  async note(_ctx: RequestContext, _args: ArgsOf<Toy, 'note'>): Promise<void> {}
}

// @ts-expect-error a manager lacking a method of its contract does not compile
export class MissingMethod implements Endpoint<Toy> {
  async add(_ctx: RequestContext, args: ArgsOf<Toy, 'add'>): Promise<number> {
    return args.a + args.b;
  }
}

export class WrongArgument implements Endpoint<Toy> {
  // @ts-expect-error an argument of another type than the contract's does not compile
  async add(_ctx: RequestContext, args: { a: string; b: number }): Promise<number> {
    return args.b;
  }
  async note(_ctx: RequestContext, _args: ArgsOf<Toy, 'note'>): Promise<void> {}
}

export class ExtraArgument implements Endpoint<Toy> {
  // @ts-expect-error requiring an argument the contract does not send does not compile
  async add(_ctx: RequestContext, args: { a: number; b: number; c: number }): Promise<number> {
    return args.c;
  }
  async note(_ctx: RequestContext, _args: ArgsOf<Toy, 'note'>): Promise<void> {}
}

export class WrongResult implements Endpoint<Toy> {
  // @ts-expect-error a result of another type than the contract's does not compile
  async add(_ctx: RequestContext, _args: ArgsOf<Toy, 'add'>): Promise<string> {
    return 'three';
  }
  async note(_ctx: RequestContext, _args: ArgsOf<Toy, 'note'>): Promise<void> {}
}

export async function clientCalls(ctx: RequestContext, client: ContractClient<Toy>): Promise<void> {
  const sum: number = await client.call(ctx, 'add', { a: 1, b: 2 });
  await client.cast(ctx, 'note', { text: `sum ${sum}` });
  // @ts-expect-error an argument of the wrong type
  await client.call(ctx, 'add', { a: '1', b: 2 });
  // @ts-expect-error a missing argument
  await client.call(ctx, 'add', { a: 1 });
  // @ts-expect-error a method the contract does not have
  await client.call(ctx, 'subtract', { a: 1, b: 2 });
  // @ts-expect-error a cast cannot be called
  await client.call(ctx, 'note', { text: 'x' });
  // @ts-expect-error a call cannot be cast
  await client.cast(ctx, 'add', { a: 1, b: 2 });
  // @ts-expect-error the result is the contract's type
  const text: string = await client.call(ctx, 'add', { a: 1, b: 2 });
  void text;
}

// The real contracts hold the real managers and callers to the same shapes.
export async function realClients(ctx: RequestContext, conductor: ConductorClient, scheduler: SchedulerClient): Promise<void> {
  const instance = await conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: 'u' });
  const launched: Date | null = instance.launched_at;
  void launched;
  // @ts-expect-error instance_update names its instance by instance_uuid
  await conductor.call(ctx, 'instance_update', { uuid: 'u', updates: {}, service: null });
  // @ts-expect-error task_state takes only the task states there are
  await conductor.call(ctx, 'instance_update', { instance_uuid: 'u', updates: { task_state: 'napping' }, service: null });
  // @ts-expect-error every conductor method is a call
  await conductor.cast(ctx, 'instance_update', { instance_uuid: 'u', updates: {}, service: null });
  // @ts-expect-error the scheduler's run_instance is a cast
  await scheduler.call(ctx, 'run_instance', {} as ArgsOf<typeof scheduler.contract, 'run_instance'>);
}

// A manager type that stopped implementing its contract fails here too.
type Implements<M, E> = M extends E ? true : false;
const conductorManagerImplements: Implements<ConductorManager, ConductorEndpoint> = true;
// @ts-expect-error the conductor manager does not implement the compute contract
const conductorIsCompute: Implements<ConductorManager, ComputeEndpoint> = true;
// @ts-expect-error nor the network one
const conductorIsNetwork: Implements<ConductorManager, NetworkEndpoint> = true;
type InstanceUpdateArgs = ArgsOf<ConductorContract, 'instance_update'>;
const updateArgs: InstanceUpdateArgs = { instance_uuid: 'u', updates: { launched_at: new Date() }, service: 'conductor' };

test('the contract type checks above are compiled by npm run typecheck', () => {
  assert.equal(conductorManagerImplements, true);
  assert.ok(conductorIsCompute && conductorIsNetwork);
  assert.equal(updateArgs.instance_uuid, 'u');
  assert.deepEqual(Object.keys(toy.methods), ['add', 'note']);
});
