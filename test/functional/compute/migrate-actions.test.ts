/**
 * The actions that move a server between compute hosts, over HTTP against a cloud with two
 * fake compute hosts (`embedded_compute_hosts`): os-migrateLive and evacuate, their
 * refusals (member 403, wrong state 409, bad target 400/404, a source host still up 400)
 * and a driver failure during a live migration leaving the server running where it was.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import type { FakeDriver } from '../../../src/virt/fake/driver.js';
import { forEachCloudBackend, type WholeCloud } from '../cloud-harness.js';

interface ServerView {
  id: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-SRV-ATTR:host': string;
  'OS-EXT-SRV-ATTR:hypervisor_hostname': string;
  'OS-EXT-SRV-ATTR:instance_name': string;
  fault?: { code: number; message: string };
}

/** How long a test waits for an action to end (a bound, not a pace). */
const ACTION_TIMEOUT_MS = 30_000;

async function show(c: WholeCloud, id: string): Promise<ServerView> {
  const r = await c.call<{ server: ServerView }>('GET', `${c.computeUrl}/servers/${id}`, c.adminToken);
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

async function settledOn(c: WholeCloud, id: string, host: string): Promise<ServerView> {
  const end = Date.now() + ACTION_TIMEOUT_MS;
  for (;;) {
    const server = await show(c, id);
    if (server['OS-EXT-STS:task_state'] === null && server['OS-EXT-SRV-ATTR:host'] === host) return server;
    if (Date.now() > end)
      throw new Error(`server ${id} is ${server.status}/${server['OS-EXT-STS:task_state']} on ${server['OS-EXT-SRV-ATTR:host']}`);
    await sleep(10);
  }
}

async function boot(c: WholeCloud, name: string): Promise<string> {
  const posted = await c.call<{ server: { id: string } }>('POST', `${c.computeUrl}/servers`, c.demoToken, {
    server: { name, imageRef: c.imageId, flavorRef: '1' },
  });
  assert.equal(posted.status, 202, JSON.stringify(posted.body));
  const id = posted.body.server.id;
  const built = await c.notification(id, ['compute.instance.create.end', 'compute.instance.create.error']);
  assert.equal(built.event_type, 'compute.instance.create.end');
  return id;
}

function action<T = unknown>(c: WholeCloud, id: string, body: unknown, token = c.adminToken) {
  return c.call<T>('POST', `${c.computeUrl}/servers/${id}/action`, token, body);
}

function computeHosts(c: WholeCloud): string[] {
  return c.cloud.services.filter((s) => s.binary === 'nova-compute').map((s) => s.host);
}

function managerOf(c: WholeCloud, host: string): ComputeManager {
  const service = c.cloud.services.find((s) => s.binary === 'nova-compute' && s.host === host);
  if (!service) throw new Error(`no nova-compute on ${host}`);
  return service.manager as ComputeManager;
}

function otherHost(c: WholeCloud, host: string): string {
  const other = computeHosts(c).find((h) => h !== host);
  if (!other) throw new Error('one compute host only');
  return other;
}

async function guestOn(c: WholeCloud, host: string, name: string): Promise<boolean> {
  return managerOf(c, host).driver.instanceExists(name);
}

/** Makes the fake driver of `host` fail `method` once, as a hypervisor error would. */
function failOnce(c: WholeCloud, host: string, method: keyof FakeDriver, message: string): void {
  const driver = managerOf(c, host).driver as unknown as Record<string, unknown>;
  const original = driver[method as string] as (...args: unknown[]) => Promise<unknown>;
  driver[method as string] = async () => {
    driver[method as string] = original;
    throw new Error(message);
  };
}

/** Sets the last heartbeat of `host`'s compute service: an hour ago reads as down, now as up. */
async function setHeartbeat(c: WholeCloud, host: string, at: Date): Promise<void> {
  await c.db.kysely
    .updateTable('services')
    .set({ updated_at: at, created_at: at })
    .where('host', '=', host)
    .where('binary', '=', 'nova-compute')
    .execute();
}

async function markServiceDown(c: WholeCloud, host: string): Promise<void> {
  await setHeartbeat(c, host, new Date(Date.now() - 3_600_000));
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

function migrateLive(c: WholeCloud, id: string, host: string, token = c.adminToken) {
  return action<{ badRequest?: { message: string }; conflictingRequest?: { message: string } }>(
    c,
    id,
    { 'os-migrateLive': { host, block_migration: false, disk_over_commit: false } },
    token,
  );
}

/** A refused live migration leaves the server ACTIVE, idle, on the host it was on. */
async function unmoved(c: WholeCloud, id: string, host: string): Promise<void> {
  const server = await show(c, id);
  assert.equal(server.status, 'ACTIVE');
  assert.equal(server['OS-EXT-STS:task_state'], null);
  assert.equal(server['OS-EXT-SRV-ATTR:host'], host);
}

async function fixedAddresses(c: WholeCloud, id: string): Promise<string[]> {
  const r = await c.call<{ addresses: Record<string, { addr: string }[]> }>('GET', `${c.computeUrl}/servers/${id}/ips`, c.adminToken);
  assert.equal(r.status, 200);
  return Object.values(r.body.addresses)
    .flat()
    .map((a) => a.addr);
}

forEachCloudBackend(
  'moving servers between compute hosts over HTTP',
  async (t, c) => {
    const id = await boot(c, 'mover-1');

    await t.test('os-migrateLive is admin only: a member gets 403', async () => {
      const source = (await show(c, id))['OS-EXT-SRV-ATTR:host'];
      assert.equal((await migrateLive(c, id, otherHost(c, source), c.demoToken)).status, 403);
      await unmoved(c, id, source);
    });

    await t.test('os-migrateLive to the host the server is on is 400 and changes nothing', async () => {
      const source = (await show(c, id))['OS-EXT-SRV-ATTR:host'];
      const r = await migrateLive(c, id, source);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.badRequest?.message, `Unable to migrate instance (${id}) to current host (${source}).`);
      await unmoved(c, id, source);
    });

    await t.test('os-migrateLive to an unknown host or one whose compute service is down is 400', async () => {
      const source = (await show(c, id))['OS-EXT-SRV-ATTR:host'];
      const unknown = await migrateLive(c, id, 'no-such-host');
      assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
      assert.equal(unknown.body.badRequest?.message, `Live migration of instance ${id} to host no-such-host failed`);
      await unmoved(c, id, source);

      const target = otherHost(c, source);
      await markServiceDown(c, target);
      try {
        const down = await migrateLive(c, id, target);
        assert.equal(down.status, 400, JSON.stringify(down.body));
        assert.equal(down.body.badRequest?.message, `Compute service of ${target} is unavailable at this time.`);
      } finally {
        await setHeartbeat(c, target, new Date());
      }
      await unmoved(c, id, source);
    });

    await t.test('os-migrateLive of a stopped server is 409', async () => {
      assert.equal((await action(c, id, { 'os-stop': null })).status, 202);
      await settled(c, id, 'SHUTOFF');
      const source = (await show(c, id))['OS-EXT-SRV-ATTR:host'];
      const r = await migrateLive(c, id, otherHost(c, source));
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal(r.body.conflictingRequest?.message, `Cannot 'os-migrateLive' instance ${id} while it is in vm_state stopped`);
      assert.equal((await action(c, id, { 'os-start': null })).status, 202);
      await settled(c, id, 'ACTIVE');
    });

    await t.test('os-migrateLive moves the running guest, host and node to the other host', async () => {
      const before = await show(c, id);
      const source = before['OS-EXT-SRV-ATTR:host'];
      const target = otherHost(c, source);
      const addresses = await fixedAddresses(c, id);
      const r = await migrateLive(c, id, target);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const after = await settledOn(c, id, target);
      assert.equal(after.status, 'ACTIVE');
      const row = await instanceGetByUuid(c.db, null, id);
      assert.ok(row.node && (await managerOf(c, target).driver.getAvailableNodes()).includes(row.node), String(row.node));
      const name = after['OS-EXT-SRV-ATTR:instance_name'];
      assert.ok(await guestOn(c, target, name));
      assert.equal(await guestOn(c, source, name), false);
      assert.deepEqual(await fixedAddresses(c, id), addresses);
    });

    await t.test('a driver failure during the live migration leaves the server ACTIVE on its host with a fault', async () => {
      const source = (await show(c, id))['OS-EXT-SRV-ATTR:host'];
      const target = otherHost(c, source);
      failOnce(c, source, 'liveMigration', 'migration stream broke');
      const r = await migrateLive(c, id, target);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const end = Date.now() + ACTION_TIMEOUT_MS;
      while ((await latestFault(c, id)) !== 'migration stream broke') {
        assert.ok(Date.now() < end, 'no fault recorded');
        await sleep(10);
      }
      const after = await settled(c, id, 'ACTIVE');
      assert.equal(after['OS-EXT-SRV-ATTR:host'], source);
      const name = after['OS-EXT-SRV-ATTR:instance_name'];
      assert.ok(await guestOn(c, source, name));
      assert.equal(await guestOn(c, target, name), false);
    });

    await t.test('evacuate is admin only: a member gets 403', async () => {
      const r = await action(c, id, { evacuate: { host: 'compute2', onSharedStorage: false } }, c.demoToken);
      assert.equal(r.status, 403);
    });

    await t.test('evacuate while the source compute service is up is 400 and changes nothing', async () => {
      const before = await show(c, id);
      const target = otherHost(c, before['OS-EXT-SRV-ATTR:host']);
      const r = await action<{ badRequest: { message: string } }>(c, id, { evacuate: { host: target, onSharedStorage: false } });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.badRequest.message, `Compute service of ${before['OS-EXT-SRV-ATTR:host']} is still in use.`);
      const after = await show(c, id);
      assert.equal(after['OS-EXT-SRV-ATTR:host'], before['OS-EXT-SRV-ATTR:host']);
      assert.equal(after['OS-EXT-STS:task_state'], null);
    });

    await t.test('evacuate to an unknown host is 404; adminPass with shared storage is 400', async () => {
      const unknown = await action(c, id, { evacuate: { host: 'no-such-host', onSharedStorage: false } });
      assert.equal(unknown.status, 404);
      const shared = await action(c, id, { evacuate: { host: 'compute2', onSharedStorage: true, adminPass: 'x' } });
      assert.equal(shared.status, 400);
    });

    await t.test(
      'with the source service down, evacuate (refused while the target is down too) re-creates the server ACTIVE on the other host with its network there',
      async () => {
        const before = await show(c, id);
        const source = before['OS-EXT-SRV-ATTR:host'];
        const target = otherHost(c, source);
        const addresses = await fixedAddresses(c, id);
        assert.ok(addresses.length > 0);
        await markServiceDown(c, source);
        await markServiceDown(c, target);
        const targetDown = await action<{ badRequest: { message: string } }>(c, id, { evacuate: { host: target, onSharedStorage: false } });
        assert.equal(targetDown.status, 400, JSON.stringify(targetDown.body));
        assert.equal(targetDown.body.badRequest.message, `Compute service of ${target} is unavailable at this time.`);
        assert.equal((await show(c, id))['OS-EXT-STS:task_state'], null);
        await setHeartbeat(c, target, new Date());
        const r = await action<{ adminPass: string }>(c, id, { evacuate: { host: target, onSharedStorage: false } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(typeof r.body.adminPass, 'string');
        assert.ok(r.body.adminPass.length > 0);
        const after = await settled(c, id, 'ACTIVE');
        assert.equal(after['OS-EXT-SRV-ATTR:host'], target);
        const row = await instanceGetByUuid(c.db, null, id);
        assert.equal(row.host, target);
        assert.ok(row.node && (await managerOf(c, target).driver.getAvailableNodes()).includes(row.node), String(row.node));
        assert.ok(await guestOn(c, target, after['OS-EXT-SRV-ATTR:instance_name']));
        assert.deepEqual(await fixedAddresses(c, id), addresses);
        const cache = JSON.parse((row.info_cache?.network_info as string | undefined) ?? '[]') as unknown[];
        assert.ok(cache.length > 0);
        const events = await c.call<{ instanceActions: { action: string }[] }>(
          'GET',
          `${c.computeUrl}/servers/${id}/os-instance-actions`,
          c.adminToken,
        );
        assert.ok(events.body.instanceActions.some((a) => a.action === 'evacuate'));
      },
    );

    await t.test('the source host, started again, destroys the guest it still had of the evacuated server', async () => {
      const server = await show(c, id);
      const source = otherHost(c, server['OS-EXT-SRV-ATTR:host']);
      const name = server['OS-EXT-SRV-ATTR:instance_name'];
      assert.ok(await guestOn(c, source, name), 'the down host kept its guest');
      await managerOf(c, source).initHost();
      assert.equal(await guestOn(c, source, name), false);
      assert.ok(await guestOn(c, server['OS-EXT-SRV-ATTR:host'], name));
      assert.equal((await show(c, id)).status, 'ACTIVE');
    });

    await t.test('evacuate on shared storage answers no adminPass and re-creates the server on the target', async () => {
      const down = otherHost(c, (await show(c, id))['OS-EXT-SRV-ATTR:host']);
      await setHeartbeat(c, down, new Date());
      const second = await boot(c, 'mover-2');
      const source = (await show(c, second))['OS-EXT-SRV-ATTR:host'];
      const target = otherHost(c, source);
      await markServiceDown(c, source);
      const r = await action<Record<string, unknown>>(c, second, { evacuate: { host: target, onSharedStorage: 'True' } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.adminPass, undefined);
      const after = await settledOn(c, second, target);
      assert.equal(after.status, 'ACTIVE');
      assert.ok(await guestOn(c, target, after['OS-EXT-SRV-ATTR:instance_name']));
    });
  },
  { DEFAULT: { embedded_compute_hosts: ['compute2'] } },
);
