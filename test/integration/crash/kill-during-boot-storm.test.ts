/**
 * kill -9 in the middle of a boot storm, then a restart on the same state directory: every
 * server the API accepted ends ACTIVE or ERROR with a fault (none stranded in BUILD), no
 * server shows an address it does not hold, and deleting everything frees every address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootStorm, NovaAllProcess, SERVICE_DOWN_TIME, type ServerView } from './nova-all-process.js';

const STORM = 60;

function settled(servers: ServerView[]): boolean {
  return servers.every((s) => s.status !== 'BUILD' && !s['OS-EXT-STS:task_state']);
}

function addressesOf(server: ServerView): string[] {
  return Object.values(server.addresses ?? {}).flatMap((list) => list.map((a) => a.addr));
}

describe('kill -9 during a boot storm', { timeout: 180_000 }, () => {
  const cloud = new NovaAllProcess({ options: { fake_spawn_delay_ms: 500 } });
  let accepted: string[] = [];

  before(async () => {
    await cloud.start();
    const imageId = await cloud.uploadImage();
    // As the reproduction: POSTs in flight, kill -9 once a tenth of the servers are ACTIVE,
    // so that some builds are unclaimed, some mid-spawn with an address, some done.
    const storm = bootStorm(cloud, { count: STORM, concurrency: 10, imageId });
    await cloud.waitForServers((servers) => servers.filter((s) => s.status === 'ACTIVE').length >= STORM / 10, 60_000);
    await cloud.kill();
    const result = await storm;
    accepted = result.accepted;
    assert.ok(accepted.length >= STORM / 2, `only ${accepted.length} POSTs were accepted before the kill`);
    await cloud.start();
  });

  after(() => cloud.dispose());

  it('brings every accepted server to ACTIVE or ERROR with a fault within service_down_time and a periodic pass', async () => {
    const servers = await cloud.waitForServers(settled, (SERVICE_DOWN_TIME + 10) * 1000);
    const byId = new Map(servers.map((s) => [s.id, s]));
    const stranded = servers.filter((s) => !settled([s])).map((s) => `${s.id} ${s.status}/${s['OS-EXT-STS:task_state']}`);
    assert.deepEqual(stranded, [], 'servers left building or in a task');
    for (const id of accepted) {
      const server = byId.get(id);
      assert.ok(server, `accepted server ${id} is missing`);
      assert.ok(['ACTIVE', 'ERROR'].includes(server.status), `${id} is ${server.status}`);
      if (server.status === 'ERROR') assert.ok(server.fault?.message, `${id} is ERROR without a fault`);
    }
    assert.ok(
      servers.some((s) => s.status === 'ERROR'),
      'the kill interrupted no build: the test did not reproduce the flow',
    );
  });

  it('shows only addresses the server holds, and none on a server in ERROR', async () => {
    const servers = await cloud.servers();
    const allocated = new Map(
      cloud
        .fixedIpsInUse()
        .filter((r) => r.allocated)
        .map((r) => [r.address, r.instance_uuid]),
    );
    for (const server of servers) {
      const shown = addressesOf(server);
      if (server.status === 'ERROR') assert.deepEqual(shown, [], `${server.id} is ERROR but lists ${shown.join(', ')}`);
      for (const address of shown) assert.equal(allocated.get(address), server.id, `${server.id} lists ${address} it does not hold`);
    }
    const live = new Set(servers.filter((s) => s.status === 'ACTIVE').map((s) => s.id));
    for (const [address, owner] of allocated) assert.ok(live.has(owner ?? ''), `${address} is allocated to ${owner}, not an ACTIVE server`);
  });

  it('counts in the quota usage exactly the servers that exist', async () => {
    const limits = await cloud.call<{ limits: { absolute: { totalInstancesUsed: number } } }>('GET', '/limits');
    assert.equal(limits.body.limits.absolute.totalInstancesUsed, (await cloud.servers()).length);
  });

  it('frees every fixed IP once every server is deleted', async () => {
    for (const server of await cloud.servers()) {
      const r = await cloud.call('DELETE', `/servers/${server.id}`);
      assert.equal(r.status, 204, `DELETE ${server.id}: ${JSON.stringify(r.body)}`);
    }
    const left = await cloud.waitForServers((servers) => servers.length === 0, 30_000);
    assert.deepEqual(
      left.map((s) => s.id),
      [],
    );
    assert.deepEqual(
      cloud.fixedIpsInUse().filter((r) => r.allocated),
      [],
    );
  });
});
