/**
 * os-simple-tenant-usage over the whole cloud: a server's flavor billed for the hours it
 * ran inside the asked window, per project; admins list, members see only their own.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { instanceUpdate } from '../../../src/db/api/instances.js';
import { CLOUD_BACKENDS, startWholeCloud, type WholeCloud } from '../cloud-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely
type Json = any;

let c: WholeCloud;
let serverId = '';
let demoProject = '';
const call = (path: string, token = c.adminToken) => c.call<Json>('GET', `${c.computeUrl}${path}`, token);

before(async () => {
  c = await startWholeCloud(await (CLOUD_BACKENDS[0] as (typeof CLOUD_BACKENDS)[number]).create([]));
  const posted = await c.call<Json>('POST', `${c.computeUrl}/servers`, c.demoToken, {
    server: { name: 'billed', imageRef: c.imageId, flavorRef: '1' },
  });
  serverId = posted.body.server.id;
  await c.notification(serverId, ['compute.instance.create.end']);
  demoProject = (await call(`/servers/${serverId}`)).body.server.tenant_id;
  // A fixed launch time, so that the billed hours are known.
  await instanceUpdate(c.db, adminContext(), serverId, { launched_at: new Date('2013-01-01T06:00:00Z') });
});
after(async () => c?.stop());

const WINDOW = 'start=2013-01-01T00:00:00&end=2013-01-02T00:00:00';

test('admin list: one summary per project with totals from the flavor; detailed adds server rows', async () => {
  const listed = await call(`/os-simple-tenant-usage?${WINDOW}`);
  assert.equal(listed.status, 200);
  assert.equal(listed.body.tenant_usages.length, 1);
  const u = listed.body.tenant_usages[0];
  assert.equal(u.tenant_id, demoProject);
  assert.equal(u.total_hours, 18);
  assert.equal(u.total_memory_mb_usage, 512 * 18);
  assert.equal(u.total_vcpus_usage, 18);
  assert.equal(u.total_local_gb_usage, 0, 'm1.tiny has no disk');
  assert.equal(u.start, '2013-01-01T00:00:00.000000');
  assert.equal(u.stop, '2013-01-02T00:00:00.000000');
  assert.equal('server_usages' in u, false);

  const detailed = await call(`/os-simple-tenant-usage?${WINDOW}&detailed=1`);
  const server = detailed.body.tenant_usages[0].server_usages[0];
  assert.deepEqual(Object.keys(server).sort(), [
    'ended_at',
    'flavor',
    'hours',
    'instance_id',
    'local_gb',
    'memory_mb',
    'name',
    'started_at',
    'state',
    'tenant_id',
    'uptime',
    'vcpus',
  ]);
  assert.equal(server.instance_id, serverId);
  assert.equal(server.flavor, 'm1.tiny');
  assert.equal(server.state, 'active');
  assert.equal(server.ended_at, null);
  assert.ok(server.uptime > 0);
});

test('show for the owner always has server rows; another project gets an empty usage', async () => {
  const own = await call(`/os-simple-tenant-usage/${demoProject}?${WINDOW}`, c.demoToken);
  assert.equal(own.status, 200);
  assert.equal(own.body.tenant_usage.server_usages.length, 1);
  const admins = await call(`/os-simple-tenant-usage/no-such-project?${WINDOW}`);
  assert.deepEqual(admins.body, { tenant_usage: {} });
  const before = await call(`/os-simple-tenant-usage/${demoProject}?start=2012-01-01T00:00:00&end=2012-02-01T00:00:00`, c.demoToken);
  assert.deepEqual(before.body, { tenant_usage: {} }, 'nothing ran before launch');
});

test('members cannot list or see other projects (403); bad times and start after end are 400', async () => {
  assert.equal((await call(`/os-simple-tenant-usage?${WINDOW}`, c.demoToken)).status, 403);
  assert.equal((await call(`/os-simple-tenant-usage/other-project?${WINDOW}`, c.demoToken)).status, 403);
  assert.equal((await call('/os-simple-tenant-usage?start=yesterday')).status, 400);
  assert.equal((await call('/os-simple-tenant-usage?start=2013-02-30T00:00:00')).status, 400);
  assert.equal((await call('/os-simple-tenant-usage?start=2013-01-02T00:00:00&end=2013-01-01T00:00:00')).status, 400);
  assert.equal((await call(`/os-simple-tenant-usage/${demoProject}?end=bad`)).status, 400);
});
