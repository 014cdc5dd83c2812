import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { RequestContext } from '../../../src/context/context.js';
import { AmqpTransport } from '../../../src/rpc/amqp-transport.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { requireExternal } from '../../support/externals.js';
import { ContractManager, runBusContract } from './bus-contract.js';
import { createVhost, deleteVhost, probeRabbit, rabbitOptions } from './rabbit.js';

const problem = await probeRabbit();
let vhost: string | null = null;

test('RabbitMQ is reachable for the AMQP bus contract', (t) => {
  requireExternal(t, 'RabbitMQ', problem);
});

runBusContract('amqp', async () => {
  if (problem !== null) return null;
  vhost = await createVhost();
  const options = rabbitOptions(vhost);
  return { newTransport: () => AmqpTransport.connect(options) };
});

after(async () => {
  if (vhost) await deleteVhost(vhost);
});

test('a cast sent before its consumer has declared the queue is delivered once the queue appears', async (t) => {
  if (!requireExternal(t, 'RabbitMQ', problem)) return;
  const ownVhost = await createVhost();
  const options = rabbitOptions(ownVhost);
  const clientTransport = await AmqpTransport.connect(options);
  const serverTransport = await AmqpTransport.connect(options);
  const manager = new ContractManager('h1');
  const server = new RpcServer(serverTransport, 'late', 'h1', manager);
  const probe = new RpcServer(serverTransport, 'late_probe', 'h1', new ContractManager('h1'));
  try {
    const ctx = new RequestContext({ userId: 'u1', projectId: 'p1' });
    await probe.start();
    const probeClient = new RpcClient(clientTransport, 'late_probe', '2.0');
    // The first call declares the client's reply queue, so the next one publishes at once.
    await probeClient.call(ctx, 'whoami');
    const cast = new RpcClient(clientTransport, 'late', '2.0').cast(ctx, 'record', { early: true });
    // Published after the cast on the same channel: once its reply is back, the broker has
    // handled the cast's first publish, with no queue bound for it yet.
    await probeClient.call(ctx, 'whoami');
    await server.start();
    await cast;
    await manager.whenReceived(1);
    assert.deepEqual(manager.received[0]?.args, { early: true });
  } finally {
    await probe.stop();
    await server.stop();
    await serverTransport.close();
    await clientTransport.close();
    await deleteVhost(ownVhost);
  }
});
