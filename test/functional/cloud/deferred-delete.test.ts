/**
 * Deferred delete over HTTP (`reclaim_instance_interval` > 0): DELETE soft-deletes, `restore`
 * and `forceDelete` act on the soft-deleted server, and each refuses what it must.
 */
import assert from 'node:assert/strict';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import { forEachCloudBackend, type WholeCloud } from '../cloud-harness.js';

interface ServerView {
  id: string;
  status: string;
  tenant_id: string;
}

async function boot(c: WholeCloud, token: string, name: string): Promise<string> {
  const posted = await c.call<{ server: ServerView }>('POST', `${c.computeUrl}/servers`, token, {
    server: { name, imageRef: c.imageId, flavorRef: '1' },
  });
  assert.equal(posted.status, 202, JSON.stringify(posted.body));
  const id = posted.body.server.id;
  const built = await c.notification(id, ['compute.instance.create.end', 'compute.instance.create.error']);
  assert.equal(built.event_type, 'compute.instance.create.end');
  return id;
}

const action = (c: WholeCloud, id: string, token: string, body: unknown) =>
  c.call('POST', `${c.computeUrl}/servers/${id}/action`, token, body);

async function status(c: WholeCloud, id: string): Promise<string> {
  const shown = await c.call<{ server: ServerView }>('GET', `${c.computeUrl}/servers/${id}`, c.demoToken);
  return shown.body.server.status;
}

async function instancesUsed(c: WholeCloud): Promise<number> {
  const limits = await c.call<{ limits: { absolute: Record<string, number> } }>('GET', `${c.computeUrl}/limits`, c.demoToken);
  return limits.body.limits.absolute.totalInstancesUsed as number;
}

forEachCloudBackend(
  'deferred delete',
  async (t, c) => {
    let id = '';

    await t.test('restore and forceDelete of a server that is not soft-deleted are 409 and change nothing', async () => {
      id = await boot(c, c.demoToken, 'dd-1');
      for (const body of [{ restore: null }, { forceDelete: null }]) {
        const r = await action(c, id, c.demoToken, body);
        assert.equal(r.status, 409, JSON.stringify(body));
        assert.match(JSON.stringify(r.body), /conflictingRequest/);
      }
      assert.equal(await status(c, id), 'ACTIVE');
    });

    await t.test('DELETE soft-deletes: 204, the server is SOFT_DELETED with its guest kept, and its quota is free', async () => {
      const used = await instancesUsed(c);
      const deleted = await c.call('DELETE', `${c.computeUrl}/servers/${id}`, c.demoToken);
      assert.equal(deleted.status, 204);
      const done = await c.notification(id, ['compute.instance.soft_delete.end']);
      assert.equal(done.event_type, 'compute.instance.soft_delete.end');
      assert.equal(await status(c, id), 'SOFT_DELETED');
      const row = await instanceGetByUuid(c.db, null, id);
      assert.equal(row.deleted, 0);
      assert.ok(row.deleted_at, 'deleted_at marks when the reclaim interval started');
      assert.equal(await instancesUsed(c), used - 1);
    });

    await t.test('a restore the project’s instances quota has no room for is 403 and leaves it SOFT_DELETED', async () => {
      const project = (await instanceGetByUuid(c.db, null, id)).project_id as string;
      const quota = (instances: number) =>
        c.call('PUT', `${c.computeUrl}/os-quota-sets/${project}`, c.adminToken, { quota_set: { instances } });
      assert.equal((await quota(await instancesUsed(c))).status, 200);
      const r = await action(c, id, c.demoToken, { restore: null });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body), /Quota exceeded/);
      assert.equal(await status(c, id), 'SOFT_DELETED');
      assert.equal((await quota(10)).status, 200);
    });

    await t.test('restore brings it back to ACTIVE and counts it again', async () => {
      const used = await instancesUsed(c);
      const r = await action(c, id, c.demoToken, { restore: null });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const done = await c.notification(id, ['compute.instance.restore.end']);
      assert.equal(done.event_type, 'compute.instance.restore.end');
      assert.equal(await status(c, id), 'ACTIVE');
      assert.equal((await instanceGetByUuid(c.db, null, id)).deleted_at, null);
      assert.equal(await instancesUsed(c), used + 1);
    });

    await t.test('forceDelete of a soft-deleted server deletes it now', async () => {
      // A server of its own: the harness hands back the first notification of a kind for a server.
      id = await boot(c, c.demoToken, 'dd-2');
      assert.equal((await c.call('DELETE', `${c.computeUrl}/servers/${id}`, c.demoToken)).status, 204);
      await c.notification(id, ['compute.instance.soft_delete.end']);
      const r = await action(c, id, c.demoToken, { forceDelete: null });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const done = await c.notification(id, ['compute.instance.delete.end']);
      assert.equal(done.event_type, 'compute.instance.delete.end');
      assert.equal((await c.call('GET', `${c.computeUrl}/servers/${id}`, c.demoToken)).status, 404);
    });
  },
  { DEFAULT: { reclaim_instance_interval: 3600 } },
);
