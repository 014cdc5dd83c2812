/**
 * os-fping over the whole cloud, with `fping_path` pointing at a stand-in script that
 * reports the first address it is given alive, and then at nothing (503).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLOUD_BACKENDS, startWholeCloud, type WholeCloud } from '../cloud-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely
type Json = any;

const dir = mkdtempSync(join(tmpdir(), 'nova-fping-'));
const fake = join(dir, 'fping');
let c: WholeCloud;
let serverId = '';
const get = (path: string, token: string) => c.call<Json>('GET', `${c.computeUrl}${path}`, token);

before(async () => {
  // fping prints "<ip> is alive" / "<ip> is unreachable" and exits 1 when any is unreachable.
  writeFileSync(fake, '#!/bin/sh\necho "$1 is alive"\nshift\nfor ip in "$@"; do echo "$ip is unreachable"; done\nexit 1\n');
  chmodSync(fake, 0o755);
  c = await startWholeCloud(await (CLOUD_BACKENDS[0] as (typeof CLOUD_BACKENDS)[number]).create([]), {
    DEFAULT: { fping_path: fake },
  });
  const posted = await c.call<Json>('POST', `${c.computeUrl}/servers`, c.demoToken, {
    server: { name: 'pinged', imageRef: c.imageId, flavorRef: '1' },
  });
  serverId = posted.body.server.id;
  await c.notification(serverId, ['compute.instance.create.end']);
});
after(async () => {
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('members list their servers with alive from fping; show one; include/exclude filter', async () => {
  const listed = await get('/os-fping', c.demoToken);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.body.servers.length, 1);
  assert.equal(listed.body.servers[0].id, serverId);
  assert.equal(listed.body.servers[0].alive, true);
  assert.deepEqual(Object.keys(listed.body.servers[0]).sort(), ['alive', 'id', 'project_id']);
  assert.deepEqual((await get(`/os-fping?exclude=${serverId}`, c.demoToken)).body.servers, []);
  assert.equal((await get(`/os-fping?include=${serverId}`, c.demoToken)).body.servers.length, 1);
  const shown = await get(`/os-fping/${serverId}`, c.demoToken);
  assert.deepEqual(shown.body, { server: { id: serverId, project_id: listed.body.servers[0].project_id, alive: true } });
});

test('all_tenants is for admins; unknown server 404', async () => {
  assert.equal((await get('/os-fping?all_tenants=1', c.demoToken)).status, 403);
  assert.equal((await get('/os-fping?all_tenants=1', c.adminToken)).body.servers.length, 1);
  assert.deepEqual((await get('/os-fping', c.adminToken)).body.servers, [], 'the admin project has no servers');
  assert.equal((await get('/os-fping/00000000-0000-0000-0000-000000000000', c.demoToken)).status, 404);
});

test('without an executable fping the API answers 503', async () => {
  rmSync(fake);
  const r = await get('/os-fping', c.demoToken);
  assert.equal(r.status, 503);
  assert.match(JSON.stringify(r.body), /fping utility is not found/);
  assert.equal((await get(`/os-fping/${serverId}`, c.demoToken)).status, 503);
});
