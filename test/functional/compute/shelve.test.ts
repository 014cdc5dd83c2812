/**
 * shelve, shelveOffload and unshelve over HTTP against the whole cloud (API → compute.api →
 * compute RPC / conductor → scheduler → compute manager → fake driver), with the three
 * settings of `shelved_offload_time`: 0 (offload at once), -1 (never) and a delay the
 * `_poll_shelved_instances` task honours when the injected clock passes it.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import type { FakeDriver } from '../../../src/virt/fake/driver.js';
import { forEachCloudBackend, type WholeCloud } from '../cloud-harness.js';

interface ServerView {
  id: string;
  status: string;
  'OS-EXT-STS:vm_state': string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-STS:power_state': number;
  'OS-EXT-SRV-ATTR:host'?: string | null;
}

/** How long a test waits for an action to end (a bound, not a pace). */
const ACTION_TIMEOUT_MS = 30_000;

async function show(c: WholeCloud, id: string, token = c.adminToken): Promise<ServerView> {
  const r = await c.call<{ server: ServerView }>('GET', `${c.computeUrl}/servers/${id}`, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.server;
}

async function settled(c: WholeCloud, id: string, status: string): Promise<ServerView> {
  const end = Date.now() + ACTION_TIMEOUT_MS;
  for (;;) {
    const server = await show(c, id);
    if (server['OS-EXT-STS:task_state'] === null && server.status === status) return server;
    if (Date.now() > end) throw new Error(`server ${id} is ${server.status}/${server['OS-EXT-STS:task_state']}, not ${status}`);
    await sleep(10);
  }
}

async function boot(c: WholeCloud, name: string, token = c.demoToken): Promise<string> {
  const posted = await c.call<{ server: { id: string } }>('POST', `${c.computeUrl}/servers`, token, {
    server: { name, imageRef: c.imageId, flavorRef: '1' },
  });
  assert.equal(posted.status, 202, JSON.stringify(posted.body));
  const id = posted.body.server.id;
  const built = await c.notification(id, ['compute.instance.create.end', 'compute.instance.create.error']);
  assert.equal(built.event_type, 'compute.instance.create.end');
  return id;
}

function action<T = unknown>(c: WholeCloud, id: string, body: unknown, token = c.demoToken) {
  return c.call<T>('POST', `${c.computeUrl}/servers/${id}/action`, token, body);
}

/** The ids of the images named `name` the demo project sees. */
async function imagesNamed(c: WholeCloud, name: string): Promise<string[]> {
  const list = await c.call<{ images: { id: string; name: string }[] }>('GET', `${c.computeUrl}/images/detail`, c.demoToken);
  assert.equal(list.status, 200);
  return list.body.images.filter((i) => i.name === name).map((i) => i.id);
}

/** The demo project's instance and core usage, as /limits shows it. */
async function usage(c: WholeCloud): Promise<{ instances: number; cores: number }> {
  const r = await c.call<{ limits: { absolute: Record<string, number> } }>('GET', `${c.computeUrl}/limits`, c.demoToken);
  assert.equal(r.status, 200);
  return { instances: r.body.limits.absolute.totalInstancesUsed as number, cores: r.body.limits.absolute.totalCoresUsed as number };
}

async function latestFault(c: WholeCloud, id: string): Promise<string | undefined> {
  const row = await c.db.kysely
    .selectFrom('instance_faults')
    .select(['message'])
    .where('instance_uuid', '=', id)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.message ?? undefined;
}

function computeManager(c: WholeCloud): ComputeManager {
  const service = c.cloud.services.find((s) => s.binary === 'nova-compute');
  if (!service) throw new Error('no nova-compute in the cloud');
  return service.manager as ComputeManager;
}

function failOnce(c: WholeCloud, method: keyof FakeDriver, message: string): void {
  const driver = computeManager(c).driver as unknown as Record<string, unknown>;
  const original = driver[method as string] as (...args: unknown[]) => Promise<unknown>;
  driver[method as string] = async () => {
    driver[method as string] = original;
    throw new Error(message);
  };
}

forEachCloudBackend('shelve with shelved_offload_time 0 offloads at once; unshelve schedules the server back', async (t, c) => {
  const id = await boot(c, 'shelve-1');
  const host = (await show(c, id))['OS-EXT-SRV-ATTR:host'];

  await t.test('unshelve and shelveOffload of an active server are 409', async () => {
    const r = await action<{ conflictingRequest: { message: string } }>(c, id, { unshelve: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'unshelve' instance ${id} while it is in vm_state active`);
    assert.equal((await action(c, id, { shelveOffload: null }, c.adminToken)).status, 409);
  });

  await t.test("another project's server is 404; a member may not shelveOffload (403)", async () => {
    const adminServer = await boot(c, 'shelve-admin', c.adminToken);
    assert.equal((await action(c, adminServer, { shelve: null })).status, 404);
    assert.equal((await action(c, id, { shelveOffload: null })).status, 403);
  });

  await t.test('shelve keeps the disk as an image and ends SHELVED_OFFLOADED with no host, quota usage unchanged', async () => {
    const before = await usage(c);
    assert.equal((await action(c, id, { shelve: null })).status, 202);
    await c.notification(id, ['compute.instance.shelve.end']);
    await c.notification(id, ['compute.instance.shelve_offload.end']);
    const offloaded = await settled(c, id, 'SHELVED_OFFLOADED');
    assert.equal(offloaded['OS-EXT-STS:vm_state'], 'shelved_offloaded');
    assert.equal(offloaded['OS-EXT-SRV-ATTR:host'], null);
    assert.equal((await imagesNamed(c, 'shelve-1-shelved')).length, 1);
    assert.equal((await action(c, id, { shelve: null })).status, 409);
    assert.deepEqual(await usage(c), before);
  });

  await t.test('unshelve spawns it on a host from the image, then deletes the image', async () => {
    assert.equal((await action(c, id, { unshelve: null })).status, 202);
    await c.notification(id, ['compute.instance.unshelve.end']);
    const active = await settled(c, id, 'ACTIVE');
    assert.equal(active['OS-EXT-SRV-ATTR:host'], host);
    assert.equal(active['OS-EXT-STS:power_state'], 1);
    assert.deepEqual(await imagesNamed(c, 'shelve-1-shelved'), []);
    const actions = await c.call<{ instanceActions: { action: string }[] }>(
      'GET',
      `${c.computeUrl}/servers/${id}/os-instance-actions`,
      c.demoToken,
    );
    assert.deepEqual(
      actions.body.instanceActions
        .map((a) => a.action)
        .filter((a) => a.includes('shelve'))
        .sort(),
      ['shelve', 'unshelve'],
    );
  });

  await t.test('a failed snapshot leaves the server ACTIVE with a fault and no image', async () => {
    failOnce(c, 'snapshot', 'disk unreadable');
    assert.equal((await action(c, id, { shelve: null })).status, 202);
    await settled(c, id, 'ACTIVE');
    assert.match((await latestFault(c, id)) ?? '', /disk unreadable/);
    assert.deepEqual(await imagesNamed(c, 'shelve-1-shelved'), []);
  });

  await t.test('a failed spawn leaves the server SHELVED_OFFLOADED with a fault, and it can be unshelved again', async () => {
    assert.equal((await action(c, id, { shelve: null })).status, 202);
    await settled(c, id, 'SHELVED_OFFLOADED');
    failOnce(c, 'spawn', 'no room for the disk');
    assert.equal((await action(c, id, { unshelve: null })).status, 202);
    const still = await settled(c, id, 'SHELVED_OFFLOADED');
    assert.equal(still['OS-EXT-SRV-ATTR:host'], null);
    assert.match((await latestFault(c, id)) ?? '', /no room for the disk/);
    assert.equal((await action(c, id, { unshelve: null })).status, 202);
    await settled(c, id, 'ACTIVE');
  });
});

forEachCloudBackend(
  'shelve with shelved_offload_time -1 keeps the guest: unshelve powers it on where it is',
  async (t, c) => {
    const id = await boot(c, 'shelve-keep');
    const host = (await show(c, id))['OS-EXT-SRV-ATTR:host'];

    await t.test('shelve ends SHELVED on its host, powered off, even after a long time', async () => {
      assert.equal((await action(c, id, { shelve: null })).status, 202);
      const shelved = await settled(c, id, 'SHELVED');
      assert.equal(shelved['OS-EXT-SRV-ATTR:host'], host);
      assert.equal(shelved['OS-EXT-STS:power_state'], 4);
      await c.clock.advance(7_200_000);
      assert.equal((await show(c, id)).status, 'SHELVED');
    });

    await t.test('unshelve brings it back ACTIVE on the same host', async () => {
      assert.equal((await action(c, id, { unshelve: null })).status, 202);
      const active = await settled(c, id, 'ACTIVE');
      assert.equal(active['OS-EXT-SRV-ATTR:host'], host);
      assert.equal(active['OS-EXT-STS:power_state'], 1);
    });

    await t.test('an admin offloads a SHELVED server', async () => {
      assert.equal((await action(c, id, { shelve: null })).status, 202);
      await settled(c, id, 'SHELVED');
      assert.equal((await action(c, id, { shelveOffload: null }, c.adminToken)).status, 202);
      const offloaded = await settled(c, id, 'SHELVED_OFFLOADED');
      assert.equal(offloaded['OS-EXT-SRV-ATTR:host'], null);
    });
  },
  { DEFAULT: { shelved_offload_time: -1 } },
);

forEachCloudBackend(
  '_poll_shelved_instances offloads a server shelved longer than shelved_offload_time',
  async (t, c) => {
    const id = await boot(c, 'shelve-later');
    await t.test('SHELVED until the clock passes shelved_offload_time, then SHELVED_OFFLOADED', async () => {
      assert.equal((await action(c, id, { shelve: null })).status, 202);
      await settled(c, id, 'SHELVED');
      await c.clock.advance(30_000);
      assert.equal((await show(c, id)).status, 'SHELVED');
      await c.clock.advance(40_000);
      const offloaded = await settled(c, id, 'SHELVED_OFFLOADED');
      assert.equal(offloaded['OS-EXT-SRV-ATTR:host'], null);
    });
  },
  { DEFAULT: { shelved_offload_time: 60, shelved_poll_interval: 10 } },
);
