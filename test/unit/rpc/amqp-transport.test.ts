import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { AmqpTransport } from '../../../src/rpc/amqp-transport.js';
import { TransportClosed } from '../../../src/rpc/errors.js';

/** A port with nothing listening: bind one, note it, release it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

test('connect gives up with TransportClosed after rabbit_max_retries failed attempts', async () => {
  const port = await deadPort();
  const start = Date.now();
  await assert.rejects(
    AmqpTransport.connect({
      brokers: [{ host: '127.0.0.1', port, username: 'guest', password: 'guest' }],
      maxRetries: 3,
      retryInterval: 0,
      retryBackoff: 0,
    }),
    (err: unknown) => err instanceof TransportClosed && /after 3 attempts/.test(err.message),
  );
  assert.ok(Date.now() - start < 5000);
});

test('AmqpTransport refuses an empty broker list', async () => {
  await assert.rejects(AmqpTransport.connect({ brokers: [] }), /at least one broker/);
});
