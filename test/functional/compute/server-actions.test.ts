/**
 * The single-host server actions through every layer, over HTTP against the whole cloud
 * (API → compute.api → compute RPC → compute manager → fake driver): each action's success,
 * and its refusals (wrong state 409, locked 409, another project's server 404, a member on
 * an admin action 403), and a driver failure landing the instance in its final state with
 * a fault.
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
  'OS-EXT-SRV-ATTR:instance_name'?: string;
  fault?: { code: number; message: string };
}

/** How long a test waits for an action to end (a bound, not a pace). */
const ACTION_TIMEOUT_MS = 30_000;

async function show(c: WholeCloud, id: string, token = c.demoToken): Promise<ServerView> {
  const r = await c.call<{ server: ServerView }>('GET', `${c.computeUrl}/servers/${id}`, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.server;
}

/** Waits until the server has no task and the status given, by reading it as a client polls it. */
async function settled(c: WholeCloud, id: string, status: string, token = c.demoToken): Promise<ServerView> {
  const end = Date.now() + ACTION_TIMEOUT_MS;
  for (;;) {
    const server = await show(c, id, token);
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

/** The newest fault of an instance (the API shows faults only on ERROR servers). */
async function latestFault(c: WholeCloud, id: string): Promise<string | undefined> {
  const row = await c.db.kysely
    .selectFrom('instance_faults')
    .select(['message'])
    .where('instance_uuid', '=', id)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.message ?? undefined;
}

/** The guest's name and uuid on the hypervisor, as an admin sees them. */
async function guestOf(c: WholeCloud, id: string): Promise<{ name: string; uuid: string }> {
  const server = await show(c, id, c.adminToken);
  return { name: server['OS-EXT-SRV-ATTR:instance_name'] as string, uuid: id };
}

function computeManager(c: WholeCloud): ComputeManager {
  const service = c.cloud.services.find((s) => s.binary === 'nova-compute');
  if (!service) throw new Error('no nova-compute in the cloud');
  return service.manager as ComputeManager;
}

/** Makes the fake driver's `method` fail once, as a hypervisor error would. */
function failOnce(c: WholeCloud, method: keyof FakeDriver, message: string): void {
  const driver = computeManager(c).driver as unknown as Record<string, unknown>;
  const original = driver[method as string] as (...args: unknown[]) => Promise<unknown>;
  driver[method as string] = async () => {
    driver[method as string] = original;
    throw new Error(message);
  };
}

forEachCloudBackend('single-host server actions over HTTP', async (t, c) => {
  const id = await boot(c, 'actions-1');

  await t.test('an unknown action is 400 "There is no such action"', async () => {
    const r = await action<{ badRequest: { message: string } }>(c, id, { 'os-fly': null });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'There is no such action: os-fly');
  });

  await t.test('os-stop stops the guest (power_off.start/.end), os-start starts it again (power_on.start/.end)', async () => {
    assert.equal((await action(c, id, { 'os-stop': null })).status, 202);
    await c.notification(id, ['compute.instance.power_off.start']);
    await c.notification(id, ['compute.instance.power_off.end']);
    const stopped = await settled(c, id, 'SHUTOFF');
    assert.equal(stopped['OS-EXT-STS:vm_state'], 'stopped');
    assert.equal(stopped['OS-EXT-STS:power_state'], 4);

    const again = await action<{ conflictingRequest: { message: string } }>(c, id, { 'os-stop': null });
    assert.equal(again.status, 409);
    assert.equal(again.body.conflictingRequest.message, `Cannot 'stop' instance ${id} while it is in vm_state stopped`);

    assert.equal((await action(c, id, { 'os-start': null })).status, 202);
    await c.notification(id, ['compute.instance.power_on.end']);
    const started = await settled(c, id, 'ACTIVE');
    assert.equal(started['OS-EXT-STS:power_state'], 1);
  });

  await t.test('reboot SOFT and HARD end ACTIVE with reboot.start/.end; a bad type is 400', async () => {
    assert.equal((await action(c, id, { reboot: { type: 'soft' } })).status, 202);
    await c.notification(id, ['compute.instance.reboot.end']);
    await settled(c, id, 'ACTIVE');
    assert.equal((await action(c, id, { reboot: { type: 'HARD' } })).status, 202);
    await settled(c, id, 'ACTIVE');
    assert.equal((await action(c, id, { reboot: { type: 'WARM' } })).status, 400);
    assert.equal((await action(c, id, { reboot: {} })).status, 400);
  });

  await t.test('pause and unpause; unpause of an active server is 409', async () => {
    const refused = await action(c, id, { unpause: null });
    assert.equal(refused.status, 409);
    assert.equal((await action(c, id, { pause: null })).status, 202);
    const paused = await settled(c, id, 'PAUSED');
    assert.equal(paused['OS-EXT-STS:power_state'], 3);
    assert.equal((await action(c, id, { unpause: null })).status, 202);
    await settled(c, id, 'ACTIVE');
  });

  await t.test('suspend and resume, each announced by one event', async () => {
    assert.equal((await action(c, id, { suspend: null })).status, 202);
    await c.notification(id, ['compute.instance.suspend']);
    const suspended = await settled(c, id, 'SUSPENDED');
    assert.equal(suspended['OS-EXT-STS:power_state'], 7);
    assert.equal((await action(c, id, { resume: null })).status, 202);
    await c.notification(id, ['compute.instance.resume']);
    await settled(c, id, 'ACTIVE');
  });

  await t.test('the console log carries what the state changes wrote, its last lines with length, no control characters', async () => {
    const all = await action<{ output: string }>(c, id, { 'os-getConsoleOutput': {} });
    assert.equal(all.status, 200);
    assert.match(all.body.output, /Guest paused\./);
    assert.match(all.body.output, /Guest state restored from disk\./);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not be there
    assert.doesNotMatch(all.body.output, /[\x00-\x08\x0B-\x1F]/);
    const tail = await action<{ output: string }>(c, id, { 'os-getConsoleOutput': { length: 3 } });
    assert.equal(tail.status, 200);
    assert.equal(tail.body.output.split('\n').length, 3);
    const whole = await action<{ output: string }>(c, id, { 'os-getConsoleOutput': { length: '-1' } });
    assert.equal(whole.body.output, all.body.output);
    assert.equal((await action(c, id, { 'os-getConsoleOutput': { length: 'ten' } })).status, 400);
  });

  await t.test('rescue answers the password the rescue guest got, and unrescue brings the server back', async () => {
    const r = await action<{ adminPass: string }>(c, id, { rescue: { adminPass: 'rescue-me' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.adminPass, 'rescue-me');
    await settled(c, id, 'RESCUE');
    assert.equal((await action(c, id, { rescue: null })).status, 409);
    assert.equal((await action(c, id, { unrescue: null })).status, 202);
    await settled(c, id, 'ACTIVE');
    const generated = await action<{ adminPass: string }>(c, id, { rescue: null });
    assert.equal(generated.status, 200);
    assert.ok(generated.body.adminPass.length >= 8);
    await settled(c, id, 'RESCUE');
    assert.equal((await action(c, id, { unrescue: null })).status, 202);
    await settled(c, id, 'ACTIVE');
  });

  await t.test('changePassword sets the guest password and answers when the host has', async () => {
    const r = await action(c, id, { changePassword: { adminPass: 'n3w-pass' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const fake = computeManager(c).driver as FakeDriver;
    assert.equal(fake.adminPassword(await guestOf(c, id)), 'n3w-pass');
    assert.equal((await show(c, id))['OS-EXT-STS:task_state'], null);
  });

  await t.test("createImage uploads a snapshot with Nova's properties, at the Location answered, that boots a new server", async () => {
    const r = await c.call('POST', `${c.computeUrl}/servers/${id}/action`, c.demoToken, {
      createImage: { name: 'snap-1', metadata: { purpose: 'test' } },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const location = r.headers.get('location') ?? '';
    const imageId = location.split('/').at(-1) as string;
    assert.match(location, /\/images\/[0-9a-f-]{36}$/);
    await c.notification(id, ['compute.instance.snapshot.start']);
    await c.notification(id, ['compute.instance.snapshot.end']);
    await settled(c, id, 'ACTIVE');
    const image = await c.call<{ image: { status: string; metadata: Record<string, string> } }>('GET', location, c.demoToken);
    assert.equal(image.status, 200);
    assert.equal(image.body.image.status, 'ACTIVE');
    assert.equal(image.body.image.metadata.instance_uuid, id);
    assert.equal(image.body.image.metadata.image_type, 'snapshot');
    assert.equal(image.body.image.metadata.purpose, 'test');
    assert.equal(image.body.image.metadata.base_image_ref, c.imageId);
    const posted = await c.call<{ server: { id: string } }>('POST', `${c.computeUrl}/servers`, c.demoToken, {
      server: { name: 'from-snapshot', imageRef: imageId, flavorRef: '1' },
    });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const built = await c.notification(posted.body.server.id, ['compute.instance.create.end', 'compute.instance.create.error']);
    assert.equal(built.event_type, 'compute.instance.create.end');
  });

  await t.test('createBackup keeps the newest backups of a type up to the rotation, deleting the oldest', async () => {
    const backups = async () => {
      const list = await c.call<{ images: { id: string; metadata: Record<string, string> }[] }>(
        'GET',
        `${c.computeUrl}/images/detail`,
        c.demoToken,
      );
      return list.body.images.filter((i) => i.metadata.image_type === 'backup' && i.metadata.instance_uuid === id).map((i) => i.id);
    };
    const ids: string[] = [];
    for (const name of ['daily-1', 'daily-2']) {
      const r = await c.call('POST', `${c.computeUrl}/servers/${id}/action`, c.demoToken, {
        createBackup: { name, backup_type: 'daily', rotation: 1 },
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push((r.headers.get('location') ?? '').split('/').at(-1) as string);
      await settled(c, id, 'ACTIVE');
    }
    assert.deepEqual(await backups(), [ids[1]]);
    const bad = await action(c, id, { createBackup: { name: 'x', backup_type: 'daily', rotation: -1 } });
    assert.equal(bad.status, 400);
  });

  await t.test('a failed snapshot clears the task, records a fault and deletes its image', async () => {
    failOnce(c, 'snapshot', 'disk could not be read');
    const r = await c.call('POST', `${c.computeUrl}/servers/${id}/action`, c.demoToken, { createImage: { name: 'snap-broken' } });
    assert.equal(r.status, 202);
    const location = r.headers.get('location') ?? '';
    await settled(c, id, 'ACTIVE');
    assert.equal(await latestFault(c, id), 'disk could not be read');
    assert.equal((await c.call('GET', location, c.demoToken)).status, 404);
  });

  await t.test('rebuild re-creates the guest with the new name, metadata, files and password; a stopped server stays stopped', async () => {
    const r = await c.call<{ server: { id: string; name: string; adminPass: string; metadata: Record<string, string> } }>(
      'POST',
      `${c.computeUrl}/servers/${id}/action`,
      c.demoToken,
      {
        rebuild: {
          imageRef: c.imageId,
          name: 'actions-1-rebuilt',
          metadata: { role: 'rebuilt' },
          adminPass: 'rebuilt-pass',
          personality: [{ path: '/etc/motd', contents: Buffer.from('hello').toString('base64') }],
          preserve_ephemeral: false,
        },
      },
    );
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.server.name, 'actions-1-rebuilt');
    assert.equal(r.body.server.adminPass, 'rebuilt-pass');
    assert.deepEqual(r.body.server.metadata, { role: 'rebuilt' });
    // The answer is the trimmed view of an update, as Nova's: no extension keys.
    assert.equal('OS-EXT-STS:vm_state' in r.body.server, false);
    assert.equal('security_groups' in r.body.server, false);
    await c.notification(id, ['compute.instance.rebuild.end']);
    const rebuilt = await settled(c, id, 'ACTIVE');
    assert.equal(rebuilt['OS-EXT-STS:power_state'], 1);
    const fake = computeManager(c).driver as FakeDriver;
    const guest = await guestOf(c, id);
    assert.equal(fake.adminPassword(guest), 'rebuilt-pass');
    assert.equal(fake.injectedFiles(guest).get('/etc/motd')?.toString(), 'hello');

    assert.equal((await action(c, id, { 'os-stop': null })).status, 202);
    await settled(c, id, 'SHUTOFF');
    assert.equal((await action(c, id, { rebuild: { imageRef: c.imageId } })).status, 202);
    const stopped = await settled(c, id, 'SHUTOFF');
    assert.equal(stopped['OS-EXT-STS:power_state'], 4);
    assert.equal((await action(c, id, { rebuild: { imageRef: '00000000-0000-0000-0000-000000000000' } })).status, 400);
    assert.equal((await action(c, id, { 'os-start': null })).status, 202);
    await settled(c, id, 'ACTIVE');
  });

  await t.test("a locked server refuses its owner (409) but not an admin; an admin lock is not the owner's to lift", async () => {
    assert.equal((await action(c, id, { lock: null })).status, 202);
    const refused = await action(c, id, { pause: null });
    assert.equal(refused.status, 409);
    assert.equal((await action(c, id, { 'os-stop': null }, c.adminToken)).status, 202);
    await settled(c, id, 'SHUTOFF');
    assert.equal((await action(c, id, { unlock: null })).status, 202);
    assert.equal((await action(c, id, { lock: null }, c.adminToken)).status, 202);
    assert.equal((await action(c, id, { unlock: null })).status, 403);
    assert.equal((await action(c, id, { 'os-start': null })).status, 409);
    assert.equal((await action(c, id, { unlock: null }, c.adminToken)).status, 202);
    assert.equal((await action(c, id, { 'os-start': null })).status, 202);
    await settled(c, id, 'ACTIVE');
  });

  await t.test("another project's server is 404, and a member on an admin action is 403", async () => {
    const adminServer = await boot(c, 'actions-admin', c.adminToken);
    assert.equal((await action(c, adminServer, { 'os-stop': null })).status, 404);
    assert.equal((await action(c, adminServer, { reboot: { type: 'SOFT' } })).status, 404);
    assert.equal((await action(c, id, { 'os-resetState': { state: 'error' } })).status, 403);
    assert.equal((await action(c, id, { resetNetwork: null })).status, 403);
    assert.equal((await action(c, id, { injectNetworkInfo: null })).status, 403);
    assert.equal((await c.call('GET', `${c.computeUrl}/servers/${id}/diagnostics`, c.demoToken)).status, 403);
  });

  await t.test('an admin resets the state, re-injects and resets the network and reads diagnostics', async () => {
    assert.equal((await action(c, id, { 'os-resetState': { state: 'error' } }, c.adminToken)).status, 202);
    assert.equal((await show(c, id)).status, 'ERROR');
    assert.equal((await action(c, id, { 'os-resetState': { state: 'active' } }, c.adminToken)).status, 202);
    assert.equal((await show(c, id)).status, 'ACTIVE');
    assert.equal((await action(c, id, { 'os-resetState': { state: 'paused' } }, c.adminToken)).status, 400);
    assert.equal((await action(c, id, { injectNetworkInfo: null }, c.adminToken)).status, 202);
    assert.equal((await action(c, id, { resetNetwork: null }, c.adminToken)).status, 202);
    const diag = await c.call<Record<string, number>>('GET', `${c.computeUrl}/servers/${id}/diagnostics`, c.adminToken);
    assert.equal(diag.status, 200);
    assert.equal(typeof diag.body.memory, 'number');
  });

  await t.test('a driver failure mid-action ends in the documented state with a fault, never with a task', async () => {
    failOnce(c, 'pause', 'hypervisor refused to pause');
    assert.equal((await action(c, id, { pause: null })).status, 202);
    await settled(c, id, 'ACTIVE');
    assert.equal(await latestFault(c, id), 'hypervisor refused to pause');

    failOnce(c, 'suspend', 'hypervisor refused to suspend');
    assert.equal((await action(c, id, { suspend: null })).status, 202);
    const afterSuspend = await settled(c, id, 'ERROR');
    assert.equal(afterSuspend.fault?.message, 'hypervisor refused to suspend');
    assert.equal((await action(c, id, { 'os-resetState': { state: 'active' } }, c.adminToken)).status, 202);

    failOnce(c, 'powerOff', 'hypervisor refused to power off');
    assert.equal((await action(c, id, { 'os-stop': null })).status, 202);
    await settled(c, id, 'ACTIVE');
    assert.equal(await latestFault(c, id), 'hypervisor refused to power off');

    failOnce(c, 'setAdminPassword', 'guest agent gone');
    const pw = await action<{ conflictingRequest: { message: string } }>(c, id, { changePassword: { adminPass: 'x' } });
    assert.equal(pw.status, 409);
    assert.match(pw.body.conflictingRequest.message, /Failed to set admin password/);
    await settled(c, id, 'ERROR');
    assert.equal((await action(c, id, { 'os-resetState': { state: 'active' } }, c.adminToken)).status, 202);

    // Last: the guest is gone after a rebuild whose spawn failed.
    failOnce(c, 'spawn', 'no room for the new disk');
    assert.equal((await action(c, id, { rebuild: { imageRef: c.imageId } })).status, 202);
    const afterRebuild = await settled(c, id, 'ERROR');
    assert.equal(afterRebuild.fault?.message, 'no room for the new disk');
  });

  await t.test('os-instance-actions lists what was asked of the server, newest first; events only for admins', async () => {
    interface ActionView {
      action: string;
      request_id: string;
      instance_uuid: string;
      user_id: string;
      project_id: string;
      start_time: string;
      message: string | null;
      events?: { event: string; result: string | null; start_time: string; finish_time: string | null }[];
    }
    const list = await c.call<{ instanceActions: ActionView[] }>('GET', `${c.computeUrl}/servers/${id}/os-instance-actions`, c.demoToken);
    assert.equal(list.status, 200);
    const names = list.body.instanceActions.map((a) => a.action);
    assert.equal(names.at(-1), 'create');
    for (const name of [
      'stop',
      'start',
      'reboot',
      'pause',
      'unpause',
      'suspend',
      'resume',
      'rescue',
      'unrescue',
      'changePassword',
      'rebuild',
    ]) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    const first = list.body.instanceActions[0] as ActionView;
    assert.deepEqual(Object.keys(first).sort(), [
      'action',
      'instance_uuid',
      'message',
      'project_id',
      'request_id',
      'start_time',
      'user_id',
    ]);
    assert.match(first.start_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);

    const pause = list.body.instanceActions.find((a) => a.action === 'pause') as ActionView;
    const url = `${c.computeUrl}/servers/${id}/os-instance-actions/${pause.request_id}`;
    const asMember = await c.call<{ instanceAction: ActionView }>('GET', url, c.demoToken);
    assert.equal(asMember.status, 200);
    assert.equal(asMember.body.instanceAction.events, undefined);
    const asAdmin = await c.call<{ instanceAction: ActionView }>('GET', url, c.adminToken);
    const events = asAdmin.body.instanceAction.events ?? [];
    assert.equal(events[0]?.event, 'compute_pause_instance');
    assert.ok(events.every((e) => e.finish_time !== null && (e.result === 'Success' || e.result === 'Error')));
    assert.equal((await c.call('GET', `${c.computeUrl}/servers/${id}/os-instance-actions/req-nothing`, c.demoToken)).status, 404);
  });
});
