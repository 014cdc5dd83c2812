/**
 * The bus contract: the same cases run against every Transport implementation
 * (local-bus.test.ts, amqp-bus.test.ts). Each case builds its own servers and clients on
 * separate transports, as separate processes would have, on a topic unique to the case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  InstanceNotFound,
  MessagingTimeout,
  NotFound,
  NoValidHost,
  RemoteError,
  UnsupportedRpcVersion,
} from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { UnknownRpcMethod } from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import type { Transport } from '../../../src/rpc/transport.js';
import { newId } from '../../../src/rpc/wire.js';

export interface BusUnderTest {
  /** A new, independent connection to the bus under test. */
  newTransport(): Promise<Transport>;
}

/** Returns null to run, or a reason the implementation is unavailable (the suite then skips). */
export type BusSetup = () => Promise<BusUnderTest | null>;

const SERVER_VERSION = '2.27';
const CLIENT_BASE = '2.0';

/** A manager as a service would have one: wire-named methods taking (ctx, args). */
export class ContractManager {
  readonly RPC_API_VERSION = SERVER_VERSION;
  readonly rpcMethods = [
    'echo',
    'whoami',
    'fail_not_found',
    'fail_no_valid_host',
    'fail_type_error',
    'hold',
    'record',
    'context',
    'inspect_args',
    'now',
  ];
  readonly host: string;
  readonly received: { method: string; args: Record<string, unknown> }[] = [];
  finishedHolds = 0;
  #held: Array<() => void> = [];
  #waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];

  constructor(host: string) {
    this.host = host;
  }

  async echo(_ctx: RequestContext, args: Record<string, unknown>): Promise<unknown> {
    return { host: this.host, value: args.value };
  }
  async whoami(): Promise<string> {
    return this.host;
  }
  async fail_not_found(_ctx: RequestContext, args: Record<string, unknown>): Promise<never> {
    throw new InstanceNotFound(`Instance ${String(args.uuid)} could not be found.`, { kwargs: { instance_id: args.uuid } });
  }
  async fail_no_valid_host(): Promise<never> {
    throw new NoValidHost('Not enough RAM');
  }
  async fail_type_error(): Promise<never> {
    throw new TypeError('bad operand');
  }
  /** Runs until the test calls release(): a handler that is busy for as long as the test needs. */
  async hold(): Promise<string> {
    await new Promise<void>((resolve) => {
      this.#held.push(resolve);
      this.#changed();
    });
    this.finishedHolds += 1;
    return 'released';
  }
  async record(_ctx: RequestContext, args: Record<string, unknown>): Promise<void> {
    this.received.push({ method: 'record', args });
    this.#changed();
  }
  async context(ctx: RequestContext): Promise<unknown> {
    return {
      userId: ctx.userId,
      projectId: ctx.projectId,
      roles: [...ctx.roles],
      isAdmin: ctx.isAdmin,
      readDeleted: ctx.readDeleted,
      requestId: ctx.requestId,
      timestamp: ctx.timestamp.toISOString(),
      remoteAddress: ctx.remoteAddress,
    };
  }
  async inspect_args(_ctx: RequestContext, args: Record<string, unknown>): Promise<unknown> {
    return { whenType: typeof args.when, when: args.when, nested: args.nested };
  }
  async now(): Promise<Date> {
    return new Date('2013-05-01T10:00:00.000Z');
  }

  /** Lets every held handler finish. */
  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }

  /** Resolves once `n` messages were recorded. */
  whenReceived(n: number): Promise<void> {
    return this.#until(() => this.received.length >= n, `${n} recorded messages (got ${this.received.length})`);
  }

  /** Resolves once `n` handlers are being held. */
  whenHeld(n: number): Promise<void> {
    return this.#until(() => this.#held.length >= n, `${n} held handlers`);
  }

  /** Event-driven: re-checked whenever a handler runs; the timer only bounds a failing test. */
  #until(ready: () => boolean, what: string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        ready,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what} on ${this.host}`));
      }, 10_000);
      this.#waiters.push(waiter);
    });
  }

  #changed(): void {
    const done = this.#waiters.filter((w) => w.ready());
    this.#waiters = this.#waiters.filter((w) => !done.includes(w));
    for (const w of done) w.resolve();
  }
}

function userContext(): RequestContext {
  return new RequestContext({
    userId: 'u1',
    projectId: 'p1',
    roles: ['Member', 'reader'],
    readDeleted: 'yes',
    remoteAddress: '10.0.0.9',
    timestamp: new Date('2013-05-01T10:00:00.123Z'),
  });
}

export function runBusContract(name: string, setup: BusSetup): void {
  describe(`${name}: bus contract`, () => {
    let bus: BusUnderTest | null = null;
    const transports: Transport[] = [];
    const servers: RpcServer[] = [];
    const managers: ContractManager[] = [];

    before(async () => {
      bus = await setup();
    });
    after(async () => {
      for (const m of managers) m.release();
      await Promise.all(servers.map((s) => s.stop()));
      await Promise.all(transports.map((t) => t.close()));
    });

    async function transport(): Promise<Transport> {
      const t = await (bus as BusUnderTest).newTransport();
      transports.push(t);
      return t;
    }
    async function server(topic: string, host: string): Promise<{ server: RpcServer; manager: ContractManager }> {
      const manager = new ContractManager(host);
      managers.push(manager);
      const s = new RpcServer(await transport(), topic, host, manager);
      await s.start();
      servers.push(s);
      return { server: s, manager };
    }
    async function client(topic: string): Promise<RpcClient> {
      return new RpcClient(await transport(), topic, CLIENT_BASE);
    }
    function topicName(): string {
      return `contract_${newId().slice(0, 12)}`;
    }
    /** Skips when setup found no bus; returns true when the case may run. */
    function available(t: { skip(msg: string): void }): boolean {
      if (bus) return true;
      t.skip('bus unavailable');
      return false;
    }

    it('call returns the remote result', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      assert.deepEqual(await c.call(userContext(), 'echo', { value: [1, 'two', { three: 3 }] }), {
        host: 'h1',
        value: [1, 'two', { three: 3 }],
      });
    });

    it('cast delivers the message to a server', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      const { manager } = await server(topic, 'h1');
      const c = await client(topic);
      await c.cast(userContext(), 'record', { n: 7 });
      await manager.whenReceived(1);
      assert.deepEqual(manager.received[0]?.args, { n: 7 });
    });

    it('call to a specific host reaches only that host', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      await server(topic, 'h2');
      const c = await client(topic);
      for (let i = 0; i < 10; i++) assert.equal(await c.call(userContext(), 'whoami', {}, { server: 'h2' }), 'h2');
    });

    it('cast to a specific host reaches only that host', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      const a = await server(topic, 'h1');
      const b = await server(topic, 'h2');
      const c = await client(topic);
      for (let i = 0; i < 6; i++) await c.cast(userContext(), 'record', { i }, { server: 'h1' });
      await a.manager.whenReceived(6);
      await c.call(userContext(), 'whoami', {}, { server: 'h2' });
      assert.equal(b.manager.received.length, 0);
    });

    it('topic messages go round robin between servers of the topic', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      await server(topic, 'h2');
      const c = await client(topic);
      const seen: string[] = [];
      for (let i = 0; i < 10; i++) seen.push(await c.call<string>(userContext(), 'whoami'));
      assert.ok(seen.includes('h1') && seen.includes('h2'), `both servers answer: ${seen.join(',')}`);
      const h1 = seen.filter((h) => h === 'h1').length;
      assert.ok(h1 >= 3 && h1 <= 7, `roughly even split: ${seen.join(',')}`);
    });

    it('fanout cast reaches every server of the topic', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      const a = await server(topic, 'h1');
      const b = await server(topic, 'h2');
      const c = await client(topic);
      await c.fanoutCast(userContext(), 'record', { everyone: true });
      await Promise.all([a.manager.whenReceived(1), b.manager.whenReceived(1)]);
      assert.deepEqual(b.manager.received[0]?.args, { everyone: true });
    });

    it('call times out with MessagingTimeout within its timeout instead of hanging', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      const start = Date.now();
      await assert.rejects(c.call(userContext(), 'hold', {}, { timeout: 0.5 }), MessagingTimeout);
      const elapsed = Date.now() - start;
      assert.ok(elapsed >= 450, `gave up after ${elapsed} ms, before its 500 ms`);
    });

    it('call to a topic nobody serves times out with MessagingTimeout', async (t) => {
      if (!available(t)) return;
      const c = await client(topicName());
      const start = Date.now();
      await assert.rejects(c.call(userContext(), 'echo', {}, { timeout: 0.5 }), MessagingTimeout);
      assert.ok(Date.now() - start < 1500);
    });

    it('a remote typed error arrives as the same class with the same message', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      const err = await c.call(userContext(), 'fail_not_found', { uuid: 'abc' }).then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof InstanceNotFound, `got ${String(err)}`);
      assert.ok(err instanceof NotFound);
      assert.equal(err.message, 'Instance abc could not be found.');
      assert.equal(err.name, 'InstanceNotFound');
      assert.equal(err.code, 404);
      assert.deepEqual(err.kwargs, { instance_id: 'abc' });
    });

    it('an error class with its own constructor arguments is re-created with its message', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      const err = await c.call(userContext(), 'fail_no_valid_host').then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof NoValidHost);
      assert.equal(err.message, 'No valid host was found. Not enough RAM');
      assert.deepEqual(err.kwargs, { reason: 'Not enough RAM' });
    });

    it('an error of a class the caller cannot re-create arrives as RemoteError', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      const err = await c.call(userContext(), 'fail_type_error').then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof RemoteError);
      assert.equal(err.excType, 'TypeError');
      assert.match(err.message, /bad operand/);
    });

    it('accepts a compatible minor version and rejects another major or a newer minor', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      assert.equal(await c.call(userContext(), 'whoami', {}, { version: '2.5' }), 'h1');
      assert.equal(await c.call(userContext(), 'whoami', {}, { version: '2.27' }), 'h1');
      await assert.rejects(c.call(userContext(), 'whoami', {}, { version: '3.0' }), UnsupportedRpcVersion);
      await assert.rejects(c.call(userContext(), 'whoami', {}, { version: '2.30' }), UnsupportedRpcVersion);
    });

    it('calling a method the endpoint does not expose fails with UnknownRpcMethod', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      await assert.rejects(c.call(userContext(), 'no_such_method'), (err: unknown) => {
        assert.ok(err instanceof UnknownRpcMethod);
        assert.equal(err.message, "No such RPC function 'no_such_method'");
        return true;
      });
      // Present on the object but not listed in rpcMethods: not callable remotely either.
      await assert.rejects(c.call(userContext(), 'constructor'), UnknownRpcMethod);
    });

    it('the request context round-trips', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      const ctx = userContext();
      assert.deepEqual(await c.call(ctx, 'context'), {
        userId: 'u1',
        projectId: 'p1',
        roles: ['Member', 'reader'],
        isAdmin: false,
        readDeleted: 'yes',
        requestId: ctx.requestId,
        timestamp: '2013-05-01T10:00:00.123Z',
        remoteAddress: '10.0.0.9',
      });
      const admin = await c.call<{ isAdmin: boolean }>(ctx.elevated(), 'context');
      assert.equal(admin.isAdmin, true);
    });

    it('Dates become ISO strings in both directions', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      const c = await client(topic);
      const when = new Date('2013-05-01T10:00:00.000Z');
      assert.deepEqual(await c.call(userContext(), 'inspect_args', { when, nested: { at: when } }), {
        whenType: 'string',
        when: '2013-05-01T10:00:00.000Z',
        nested: { at: '2013-05-01T10:00:00.000Z' },
      });
      assert.equal(await c.call(userContext(), 'now'), '2013-05-01T10:00:00.000Z');
    });

    it('200 concurrent calls each get their own reply', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      await server(topic, 'h1');
      await server(topic, 'h2');
      const c = await client(topic);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => c.call<{ value: number }>(userContext(), 'echo', { value: i })),
      );
      assert.deepEqual(
        results.map((r) => r.value),
        Array.from({ length: 200 }, (_, i) => i),
      );
    });

    it('stopping a server lets in-flight calls finish and reply', async (t) => {
      if (!available(t)) return;
      const topic = topicName();
      const { server: s, manager } = await server(topic, 'h1');
      const c = await client(topic);
      const pending = c.call(userContext(), 'hold', {}, { timeout: 5 });
      await manager.whenHeld(1);
      let stopped = false;
      const stopping = s.stop().then(() => {
        stopped = true;
      });
      // A round trip through another server of the bus: a stop that did not wait for the
      // running handler would have finished by the time it returns.
      const other = topicName();
      await server(other, 'h2');
      await (await client(other)).call(userContext(), 'whoami');
      assert.equal(stopped, false, 'stop() is still waiting for the handler');
      manager.release();
      await stopping;
      assert.equal(manager.finishedHolds, 1, 'stop() waited for the handler');
      assert.equal(await pending, 'released');
      // Stopped means stopped: nothing answers the topic any more.
      await assert.rejects(c.call(userContext(), 'whoami', {}, { timeout: 0.3 }), MessagingTimeout);
    });
  });
}
