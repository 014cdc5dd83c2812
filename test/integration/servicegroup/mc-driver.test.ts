/**
 * The memcached service group driver against a real memcached (started here on a free
 * port, stopped by its pid): the text-protocol client, key expiry as liveness, and the
 * whole cloud's os-services reporting liveness through it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { McHeartbeat, McLiveness } from '../../../src/servicegroup/mc-driver.js';
import { MemcacheClient } from '../../../src/servicegroup/memcache-client.js';
import { CLOUD_BACKENDS, startWholeCloud } from '../../functional/cloud-harness.js';
import { probeCommand, requireExternal } from '../../support/externals.js';
import { ManualClock } from '../../support/manual-clock.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely
type Json = any;

let server: ChildProcess | null = null;
let address = '';
const missing = probeCommand('memcached', ['-h']);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

before(async () => {
  if (missing) return;
  const port = await freePort();
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', ...(process.getuid?.() === 0 ? ['-u', 'nobody'] : [])];
  server = spawn('memcached', args, { stdio: 'ignore' });
  address = `127.0.0.1:${port}`;
  const client = new MemcacheClient([address], 500);
  for (let i = 0; ; i++) {
    try {
      await client.get('probe');
      break;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.close();
});
after(() => {
  if (server?.pid) process.kill(server.pid);
});

test('set and get speak the memcached text protocol; a missing key is null', async (t) => {
  if (!requireExternal(t, 'memcached (Debian package memcached)', missing)) return;
  const client = new MemcacheClient([address]);
  await client.set('compute:h1', 'hello world', 60);
  assert.equal(await client.get('compute:h1'), 'hello world');
  assert.equal(await client.get('compute:nothing'), null);
  await assert.rejects(client.set('bad key', 'x', 1), /bad memcached key/);
  client.close();
});

test('a service is up once its heartbeat set its key, and down when the key expired', async (t) => {
  if (!requireExternal(t, 'memcached (Debian package memcached)', missing)) return;
  const client = new MemcacheClient([address]);
  const clock = new ManualClock();
  const record = {
    id: 1,
    host: 'h2',
    binary: 'nova-compute',
    topic: 'compute',
    report_count: 0,
    disabled: false,
    created_at: null,
    updated_at: null,
  };
  const liveness = new McLiveness(client);
  const beat = new McHeartbeat(client, record, 10, 1, clock);
  assert.equal(await liveness.isUp(record), false, 'no heartbeat yet');
  beat.start();
  await clock.advance(10_000);
  assert.equal(await liveness.isUp(record), true);
  await beat.stop();
  // memcached expires whole seconds; 2.1 s is past a 1 s expiry whatever the rounding.
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal(await liveness.isUp(record), false);
  client.close();
});

test('with servicegroup_driver = mc the whole cloud reports liveness from memcached', async (t) => {
  if (!requireExternal(t, 'memcached (Debian package memcached)', missing)) return;
  const c = await startWholeCloud(await (CLOUD_BACKENDS[0] as (typeof CLOUD_BACKENDS)[number]).create([]), {
    DEFAULT: { servicegroup_driver: 'mc', memcached_servers: [address] },
  });
  try {
    const states = async () => {
      const r = await c.call<Json>('GET', `${c.computeUrl}/os-services`, c.adminToken);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return Object.fromEntries(r.body.services.map((s: Json) => [s.binary, s.state]));
    };
    assert.equal((await states())['nova-compute'], 'down', 'no key before the first heartbeat');
    await c.clock.advance(10_000);
    const after = await states();
    for (const binary of ['nova-compute', 'nova-scheduler', 'nova-conductor']) assert.equal(after[binary], 'up', binary);
    const hyp = await c.call<Json>('GET', `${c.computeUrl}/os-hypervisors`, c.adminToken);
    assert.equal(hyp.body.hypervisors[0].state, 'up');
  } finally {
    await c.stop();
  }
});
