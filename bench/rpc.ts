/**
 * `npm run bench -- rpc [seconds]`: RPC round trips per second (1 and 50 calls in flight)
 * and casts per second, over the local bus and over RabbitMQ at 127.0.0.1:5672.
 */
import { connect } from 'amqplib';
import { RequestContext } from '../src/context/context.js';
import { AmqpTransport, type AmqpTransportOptions } from '../src/rpc/amqp-transport.js';
import { RpcClient } from '../src/rpc/client.js';
import { LocalBus, LocalTransport } from '../src/rpc/local-transport.js';
import { RpcServer } from '../src/rpc/server.js';
import type { Transport } from '../src/rpc/transport.js';
import { newId } from '../src/rpc/wire.js';

const DEFAULT_SECONDS = 3;

class BenchManager {
  readonly RPC_API_VERSION = '1.0';
  readonly rpcMethods = ['ping', 'count'];
  counted = 0;
  async ping(_ctx: RequestContext, args: Record<string, unknown>): Promise<unknown> {
    return args.n;
  }
  async count(): Promise<void> {
    this.counted += 1;
  }
}

interface Bus {
  name: string;
  transport(): Promise<Transport>;
  /** Removes what the run left on the bus (RabbitMQ keeps topic queues after their consumers go). */
  cleanup?(topic: string, host: string): Promise<void>;
}

function rate(count: number, ms: number): string {
  return `${Math.round((count * 1000) / ms).toLocaleString('en-US')}/s`;
}

async function callsPerSecond(client: RpcClient, ctx: RequestContext, inFlight: number, seconds: number): Promise<string> {
  const stopAt = Date.now() + seconds * 1000;
  const start = Date.now();
  let done = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < stopAt) {
      await client.call(ctx, 'ping', { n: done }, { timeout: 30 });
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return rate(done, Date.now() - start);
}

/** Casts are timed from the first publish until the server has handled the last one. */
async function castsPerSecond(client: RpcClient, manager: BenchManager, ctx: RequestContext, seconds: number): Promise<string> {
  const before = manager.counted;
  const stopAt = Date.now() + seconds * 1000;
  const start = Date.now();
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < stopAt) {
      await client.cast(ctx, 'count');
      sent += 1;
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  const drainBy = Date.now() + 30_000;
  while (manager.counted - before < sent && Date.now() < drainBy) await new Promise((r) => setTimeout(r, 5));
  return rate(manager.counted - before, Date.now() - start);
}

async function benchBus(bus: Bus, seconds: number): Promise<void> {
  const serverTransport = await bus.transport();
  const clientTransport = await bus.transport();
  const topic = `bench_${newId().slice(0, 8)}`;
  const host = 'bench-host';
  const manager = new BenchManager();
  const server = new RpcServer(serverTransport, topic, host, manager);
  await server.start();
  const client = new RpcClient(clientTransport, topic, '1.0');
  const ctx = new RequestContext({ userId: 'bench', projectId: 'bench' });
  try {
    await client.call(ctx, 'ping', { n: 0 });
    for (const inFlight of [1, 50]) {
      process.stdout.write(`${bus.name}\tcall, ${inFlight} in flight\t${await callsPerSecond(client, ctx, inFlight, seconds)}\n`);
    }
    process.stdout.write(`${bus.name}\tcast, 50 in flight\t${await castsPerSecond(client, manager, ctx, seconds)}\n`);
  } finally {
    await server.stop();
    await clientTransport.close();
    await serverTransport.close();
    await bus.cleanup?.(topic, host);
  }
}

export async function benchRpc(args: string[]): Promise<void> {
  const seconds = args[0] ? Number(args[0]) : DEFAULT_SECONDS;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`usage: npm run bench -- rpc [seconds per case]`);
  const localBus = new LocalBus();
  await benchBus({ name: 'local', transport: async () => new LocalTransport({ bus: localBus }) }, seconds);

  const rabbit: AmqpTransportOptions = {
    brokers: [{ host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' }],
    controlExchange: `nova_bench_${newId().slice(0, 8)}`,
  };
  try {
    const probe = await AmqpTransport.connect({ ...rabbit, maxRetries: 1 });
    await probe.close();
  } catch (err) {
    process.stdout.write(`amqp\tskipped: RabbitMQ at 127.0.0.1:5672 is not reachable (${(err as Error).message})\n`);
    return;
  }
  const cleanup = async (topic: string, host: string): Promise<void> => {
    const model = await connect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await model.createChannel();
    await ch.deleteQueue(topic);
    await ch.deleteQueue(`${topic}.${host}`);
    await ch.deleteExchange(rabbit.controlExchange as string);
    await model.close();
  };
  await benchBus({ name: 'amqp', transport: () => AmqpTransport.connect(rabbit), cleanup }, seconds);
}
