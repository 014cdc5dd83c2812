/**
 * Broker restart: exclusive because it takes RabbitMQ away from every other test for a
 * while. The broker is always started again, whatever happens here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessagingTimeout } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { AmqpTransport } from '../../../src/rpc/amqp-transport.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { requireExternal } from '../../support/externals.js';
import { ContractManager } from './bus-contract.js';
import { createVhost, deleteVhost, probeRabbit, rabbitmqctl, rabbitOptions } from './rabbit.js';

async function waitFor(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('after a broker restart, calls, casts and fanouts work again without new clients or servers, and a cast sent during the outage is delivered', async (t) => {
  if (!requireExternal(t, 'RabbitMQ', await probeRabbit())) return;
  const vhost = await createVhost();
  const ctx = new RequestContext({ userId: 'u1', projectId: 'p1' });
  const options = rabbitOptions(vhost);
  const serverTransport = await AmqpTransport.connect(options);
  const clientTransport = await AmqpTransport.connect(options);
  const manager = new ContractManager('h1');
  const server = new RpcServer(serverTransport, 'restart', 'h1', manager);
  try {
    await server.start();
    const client = new RpcClient(clientTransport, 'restart', '2.0');
    assert.equal(await client.call(ctx, 'whoami'), 'h1');

    let castDuringOutage: Promise<void> | null = null;
    let castSettled = false;
    try {
      await rabbitmqctl('stop_app');
      await waitFor(() => !serverTransport.connected && !clientTransport.connected, 'both transports to notice', 15_000);
      castDuringOutage = client.cast(ctx, 'record', { during: 'outage' }).finally(() => {
        castSettled = true;
      });
      castDuringOutage.catch(() => undefined);
      const start = Date.now();
      await assert.rejects(client.call(ctx, 'whoami', {}, { timeout: 0.5 }), MessagingTimeout);
      assert.ok(Date.now() - start < 1500, 'a call during the outage fails within its timeout');
      assert.equal(castSettled, false, 'the cast waits for the broker rather than being dropped');
    } finally {
      await rabbitmqctl('start_app');
    }
    await rabbitmqctl('await_startup');

    await castDuringOutage;
    await waitFor(() => manager.received.some((r) => r.args.during === 'outage'), 'the cast sent during the outage', 30_000);
    assert.equal(await client.call(ctx, 'whoami', {}, { timeout: 30 }), 'h1');
    assert.equal(await client.call(ctx, 'whoami', {}, { server: 'h1', timeout: 10 }), 'h1');
    await client.cast(ctx, 'record', { during: 'after' });
    await client.fanoutCast(ctx, 'record', { during: 'fanout' });
    await waitFor(
      () => manager.received.some((r) => r.args.during === 'after') && manager.received.some((r) => r.args.during === 'fanout'),
      'cast and fanout after the restart',
      10_000,
    );
  } finally {
    await server.stop();
    await serverTransport.close();
    await clientTransport.close();
    await deleteVhost(vhost);
  }
});
