/**
 * Resize, confirmResize, revertResize and cold migrate over HTTP against a cloud with two
 * fake compute hosts: every layer from the API to the fake driver, the migrations row as
 * os-migrations shows it, the refusals (same flavor, wrong state, over quota, a member
 * migrating), driver failures ending in a final state with a fault, and the periodic
 * auto-confirm.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import { adminContext } from '../../../src/context/context.js';
import type { FakeDriver } from '../../../src/virt/fake/driver.js';
import { forEachCloudBackend, type WholeCloud } from '../cloud-harness.js';

interface ServerView {
  id: string;
  status: string;
  tenant_id: string;
  flavor: { id: string };
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-STS:vm_state': string;
  'OS-EXT-SRV-ATTR:host'?: string;
  fault?: { code: number; message: string };
}

interface MigrationView {
  instance_uuid: string;
  source_compute: string;
  dest_compute: string;
  status: string;
  old_instance_type_id: number;
  new_instance_type_id: number;
}

/** How long a test waits for an action to end (a bound, not a pace). */
const ACTION_TIMEOUT_MS = 30_000;

async function show(c: WholeCloud, id: string, token = c.adminToken): Promise<ServerView> {
  const r = await c.call<{ server: ServerView }>('GET', `${c.computeUrl}/servers/${id}`, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.server;
}

/** Waits until the server has no task and the status given, as a client polls it. */
async function settled(c: WholeCloud, id: string, status: string): Promise<ServerView> {
  const end = Date.now() + ACTION_TIMEOUT_MS;
  for (;;) {
    const server = await show(c, id);
    if (server['OS-EXT-STS:task_state'] === null && server.status === status) return server;
    if (Date.now() > end) {
      const fault = await latestFault(c, id);
      throw new Error(`server ${id} is ${server.status}/${server['OS-EXT-STS:task_state']}, not ${status} (last fault: ${fault})`);
    }
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

function action<T = unknown>(c: WholeCloud, id: string, body: unknown, token = c.demoToken) {
  return c.call<T>('POST', `${c.computeUrl}/servers/${id}/action`, token, body);
}

async function migrationsOf(c: WholeCloud, id: string): Promise<MigrationView[]> {
  const r = await c.call<{ migrations: MigrationView[] }>('GET', `${c.computeUrl}/os-migrations`, c.adminToken);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.migrations.filter((m) => m.instance_uuid === id);
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

function computeManagers(c: WholeCloud): ComputeManager[] {
  return c.cloud.services.filter((s) => s.binary === 'nova-compute').map((s) => s.manager as ComputeManager);
}

function managerOf(c: WholeCloud, host: string): ComputeManager {
  const m = computeManagers(c).find((x) => x.host === host);
  if (!m) throw new Error(`no compute service on ${host}`);
  return m;
}

/** Makes the fake driver's `method` on `host` fail once, as a hypervisor error would. */
function failOnce(c: WholeCloud, host: string, method: keyof FakeDriver, message: string): void {
  const driver = managerOf(c, host).driver as unknown as Record<string, unknown>;
  const original = driver[method as string] as (...args: unknown[]) => Promise<unknown>;
  driver[method as string] = async () => {
    driver[method as string] = original;
    throw new Error(message);
  };
}

async function systemMetadata(c: WholeCloud, id: string): Promise<Record<string, string>> {
  const rows = await c.db.kysely
    .selectFrom('instance_system_metadata')
    .select(['key', 'value'])
    .where('instance_uuid', '=', id)
    .where('deleted', '=', 0)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.key as string, r.value as string]));
}

forEachCloudBackend(
  'resize and cold migration over HTTP with two hosts',
  async (t, c) => {
    const id = await boot(c, 'resize-1');
    const firstHost = (await show(c, id))['OS-EXT-SRV-ATTR:host'] as string;

    await t.test('resize moves the server to the other host in VERIFY_RESIZE with the new flavor; confirm makes it ACTIVE', async () => {
      assert.equal((await action(c, id, { resize: { flavorRef: '2' } })).status, 202);
      const resized = await settled(c, id, 'VERIFY_RESIZE');
      assert.equal(resized.flavor.id, '2');
      assert.equal(resized['OS-EXT-STS:vm_state'], 'resized');
      assert.notEqual(resized['OS-EXT-SRV-ATTR:host'], firstHost);
      const sys = await systemMetadata(c, id);
      assert.equal(sys.instance_type_flavorid, '2');
      assert.equal(sys.old_instance_type_flavorid, '1');
      assert.equal(sys.new_instance_type_flavorid, '2');
      const [finished] = await migrationsOf(c, id);
      assert.equal(finished?.status, 'finished');
      for (const event of ['resize.prep.end', 'resize.end', 'finish_resize.end', 'exists']) {
        await c.notification(id, [`compute.instance.${event}`]);
      }

      const confirmed = await action(c, id, { confirmResize: null });
      assert.equal(confirmed.status, 204);
      const active = await settled(c, id, 'ACTIVE');
      assert.equal(active.flavor.id, '2');
      await c.notification(id, ['compute.instance.resize.confirm.end']);
      const migrations = await migrationsOf(c, id);
      assert.equal(migrations.length, 1);
      assert.equal(migrations[0]?.status, 'confirmed');
      assert.equal(migrations[0]?.source_compute, firstHost);
      const after = await systemMetadata(c, id);
      assert.equal(after.old_instance_type_flavorid, undefined);
      assert.equal(after.new_instance_type_flavorid, undefined);
    });

    await t.test('confirm or revert of a server that is not resized is 409', async () => {
      for (const body of [{ confirmResize: null }, { revertResize: null }]) {
        const r = await action<{ conflictingRequest: { message: string } }>(c, id, body);
        assert.equal(r.status, 409, JSON.stringify(r.body));
      }
    });

    await t.test('resize to the flavor the server has is 400; an unknown flavor is 400', async () => {
      const same = await action<{ badRequest: { message: string } }>(c, id, { resize: { flavorRef: '2' } });
      assert.equal(same.status, 400);
      assert.equal(same.body.badRequest.message, 'When resizing, instances must change flavor!');
      assert.equal((await action(c, id, { resize: { flavorRef: 'no-such-flavor' } })).status, 400);
      assert.equal((await action(c, id, { resize: {} })).status, 400);
    });

    await t.test('revert restores the old flavor and the old host', async () => {
      const before = await show(c, id);
      assert.equal((await action(c, id, { resize: { flavorRef: '1' } })).status, 202);
      const resized = await settled(c, id, 'VERIFY_RESIZE');
      assert.equal(resized.flavor.id, '1');
      assert.equal((await action(c, id, { revertResize: null })).status, 202);
      const reverted = await settled(c, id, 'ACTIVE');
      assert.equal(reverted.flavor.id, '2');
      assert.equal(reverted['OS-EXT-SRV-ATTR:host'], before['OS-EXT-SRV-ATTR:host']);
      await c.notification(id, ['compute.instance.resize.revert.end']);
      const statuses = (await migrationsOf(c, id)).map((m) => m.status);
      assert.deepEqual(statuses, ['confirmed', 'reverted']);
    });

    await t.test('a member may not migrate (403); an admin migrate moves the server to the other host', async () => {
      assert.equal((await action(c, id, { migrate: null })).status, 403);
      const before = (await show(c, id))['OS-EXT-SRV-ATTR:host'];
      assert.equal((await action(c, id, { migrate: null }, c.adminToken)).status, 202);
      const moved = await settled(c, id, 'VERIFY_RESIZE');
      assert.notEqual(moved['OS-EXT-SRV-ATTR:host'], before);
      assert.equal(moved.flavor.id, '2');
      assert.equal((await action(c, id, { confirmResize: null })).status, 204);
      await settled(c, id, 'ACTIVE');
    });

    await t.test('resize while another task runs or in the wrong state is 409', async () => {
      assert.equal((await action(c, id, { pause: null })).status, 202);
      await settled(c, id, 'PAUSED');
      const r = await action<{ conflictingRequest: { message: string } }>(c, id, { resize: { flavorRef: '1' } });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'resize' instance ${id} while it is in vm_state paused`);
      assert.equal((await action(c, id, { unpause: null })).status, 202);
      await settled(c, id, 'ACTIVE');
    });

    await t.test('a resize that would take the project over its ram quota is refused and changes nothing', async () => {
      const tenant = (await show(c, id)).tenant_id;
      const quota = await c.call('PUT', `${c.computeUrl}/os-quota-sets/${tenant}`, c.adminToken, { quota_set: { ram: 2048 } });
      assert.equal(quota.status, 200, JSON.stringify(quota.body));
      const r = await action<Record<string, { message: string }>>(c, id, { resize: { flavorRef: '3' } });
      assert.ok(r.status === 403 || r.status === 413, `${r.status} ${JSON.stringify(r.body)}`);
      assert.match(Object.values(r.body)[0]?.message ?? '', /Quota exceeded for ram/);
      const still = await show(c, id);
      assert.equal(still.status, 'ACTIVE');
      assert.equal(still.flavor.id, '2');
      await c.call('PUT', `${c.computeUrl}/os-quota-sets/${tenant}`, c.adminToken, { quota_set: { ram: -1 } });
    });

    await t.test('a failure to power off and hand over the disks leaves the server ACTIVE on its host with a fault', async () => {
      const host = (await show(c, id))['OS-EXT-SRV-ATTR:host'] as string;
      failOnce(c, host, 'migrateDiskAndPowerOff', 'disk could not be copied');
      assert.equal((await action(c, id, { resize: { flavorRef: '1' } })).status, 202);
      const after = await settled(c, id, 'ACTIVE');
      assert.equal(after['OS-EXT-SRV-ATTR:host'], host);
      assert.equal(after.flavor.id, '2');
      assert.equal(await latestFault(c, id), 'disk could not be copied');
      const last = (await migrationsOf(c, id)).at(-1);
      assert.equal(last?.status, 'error');
    });

    await t.test('a finished resize older than resize_confirm_window is confirmed by the periodic task', async () => {
      assert.equal((await action(c, id, { resize: { flavorRef: '1' } })).status, 202);
      const resized = await settled(c, id, 'VERIFY_RESIZE');
      const dest = managerOf(c, resized['OS-EXT-SRV-ATTR:host'] as string);
      assert.equal(await dest.pollUnconfirmedResizes(adminContext(), 60, new Date()), 0);
      assert.equal((await show(c, id)).status, 'VERIFY_RESIZE');
      assert.equal(await dest.pollUnconfirmedResizes(adminContext(), 60, new Date(Date.now() + 61_000)), 1);
      const active = await settled(c, id, 'ACTIVE');
      assert.equal(active.flavor.id, '1');
      assert.equal((await migrationsOf(c, id)).at(-1)?.status, 'confirmed');
    });

    await t.test('a failure to finish the migration on the destination leaves the server in ERROR with a fault', async () => {
      const host = (await show(c, id))['OS-EXT-SRV-ATTR:host'] as string;
      const other = computeManagers(c).find((m) => m.host !== host)?.host as string;
      failOnce(c, other, 'finishMigration', 'guest would not boot at its new size');
      assert.equal((await action(c, id, { resize: { flavorRef: '2' } })).status, 202);
      const after = await settled(c, id, 'ERROR');
      assert.equal(after.fault?.message, 'guest would not boot at its new size');
      assert.equal((await migrationsOf(c, id)).at(-1)?.status, 'error');
    });
  },
  {
    DEFAULT: {
      embedded_compute_hosts: ['compute2'],
      notify_on_state_change: 'vm_state',
    },
  },
);
