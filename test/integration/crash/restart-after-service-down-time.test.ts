/**
 * nova-all stopped for longer than service_down_time and started again: its services are
 * up as soon as it answers (no window of "compute down" until the first heartbeat), and a
 * server deleted while its compute service is down releases its address and quota and
 * sends delete.start/end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NovaAllProcess, SERVICE_DOWN_TIME, type ServerView } from './nova-all-process.js';

/** Longer than the test's patience after a start, so only the start-up report can make a service up. */
const SLOW_REPORTS = { report_interval: 30 };

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function bootOne(cloud: NovaAllProcess, imageId: string, name: string): Promise<ServerView> {
  const r = await cloud.call<{ server: { id: string } }>('POST', '/servers', { server: { name, imageRef: imageId, flavorRef: '1' } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const [server] = await cloud
    .waitForServers((list) => list.find((s) => s.id === r.body.server.id)?.status !== 'BUILD', 20_000)
    .then((list) => list.filter((s) => s.id === r.body.server.id));
  return server as ServerView;
}

describe('a restart after more than service_down_time', { timeout: 120_000 }, () => {
  const cloud = new NovaAllProcess();
  let imageId = '';
  let first: ServerView;

  before(async () => {
    await cloud.start();
    imageId = await cloud.uploadImage();
    first = await bootOne(cloud, imageId, 'before-the-stop');
    assert.equal(first.status, 'ACTIVE');
    assert.equal(await cloud.terminate(), 0);
    await sleep((SERVICE_DOWN_TIME + 1) * 1000);
    cloud.configure({ options: SLOW_REPORTS });
    await cloud.start();
  });

  after(() => cloud.dispose());

  it('reports every service up as soon as the API answers', () => {
    const ages = cloud.heartbeatAges();
    const down = [...ages].filter(([, age]) => age > SERVICE_DOWN_TIME).map(([binary, age]) => `${binary} (${age.toFixed(1)} s)`);
    assert.deepEqual(down, []);
    assert.ok(ages.has('nova-compute'));
  });

  it('builds a server at once instead of failing it with NoValidHost', async () => {
    const server = await bootOne(cloud, imageId, 'right-after-the-start');
    assert.equal(server.status, 'ACTIVE', JSON.stringify(server.fault));
  });

  it('deletes a server of a down compute host locally: address released, quota freed, delete.start/end sent', async () => {
    // report_interval 30 s: the start-up report ages past service_down_time and the compute service reads as down.
    await sleep((SERVICE_DOWN_TIME + 1) * 1000);
    assert.ok((cloud.heartbeatAges().get('nova-compute') ?? 0) > SERVICE_DOWN_TIME, 'nova-compute should read as down by now');
    const address = Object.values(first.addresses).flat()[0]?.addr;
    assert.ok(address, 'the server had an address');
    const before = await cloud.call<{ limits: { absolute: { totalInstancesUsed: number } } }>('GET', '/limits');
    const r = await cloud.call('DELETE', `/servers/${first.id}`);
    assert.equal(r.status, 204);
    const left = await cloud.waitForServers((list) => !list.some((s) => s.id === first.id), 10_000);
    assert.ok(!left.some((s) => s.id === first.id), 'the server is still listed');
    assert.deepEqual(
      cloud.fixedIpsInUse().filter((row) => row.allocated && row.address === address),
      [],
      `${address} is still allocated`,
    );
    const afterDelete = await cloud.call<{ limits: { absolute: { totalInstancesUsed: number } } }>('GET', '/limits');
    assert.equal(afterDelete.body.limits.absolute.totalInstancesUsed, before.body.limits.absolute.totalInstancesUsed - 1);
    // The log is written asynchronously: give the lines a moment to land.
    const sent = (event: string): boolean =>
      cloud
        .log()
        .split('\n')
        .some((line) => line.includes(`notification.${event}"`) && line.includes(first.id));
    for (let i = 0; i < 50 && !(sent('compute.instance.delete.start') && sent('compute.instance.delete.end')); i++) await sleep(100);
    for (const event of ['compute.instance.delete.start', 'compute.instance.delete.end']) {
      assert.ok(
        sent(event),
        `no ${event} for ${first.id} in:\n${cloud
          .log()
          .split('\n')
          .filter((l) => l.includes(first.id))
          .join('\n')}`,
      );
    }
  });
});
