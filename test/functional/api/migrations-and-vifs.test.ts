/** `os-migrations` (admin, with filters) and `os-virtual-interfaces` over HTTP against every resource nova-ts serves. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrationCreate } from '../../../src/db/api/migrations.js';
import { virtualInterfaceCreate } from '../../../src/db/api/virtual-interfaces.js';
import { type FullApi, startFullApi } from './full-api-harness.js';

const ADMIN = 'admin:proj-admin';
const ALICE = 'alice:proj-a';
const BOB = 'bob:proj-b';

let f: FullApi;
before(async () => {
  f = await startFullApi();
});
after(async () => f.close());

const base = {
  source_node: null,
  dest_node: null,
  dest_host: null,
  old_instance_type_id: 1,
  new_instance_type_id: 2,
};

describe('os-migrations', () => {
  before(async () => {
    const db = f.api.db;
    await migrationCreate(db, { ...base, instance_uuid: 'u-1', source_compute: 'h1', dest_compute: 'h2', status: 'finished' });
    await migrationCreate(db, { ...base, instance_uuid: 'u-2', source_compute: 'h2', dest_compute: 'h3', status: 'confirmed' });
    await migrationCreate(db, { ...base, instance_uuid: 'u-3', source_compute: 'h3', dest_compute: 'h4', status: 'finished' });
  });

  test('lists every migration with the keys Nova gives them', async () => {
    const r = await f.api.call('GET', '/v2.1/os-migrations', ADMIN);
    assert.equal(r.status, 200);
    const list = r.json.migrations as Record<string, unknown>[];
    assert.deepEqual(
      list.map((m) => m.instance_uuid),
      ['u-1', 'u-2', 'u-3'],
    );
    assert.deepEqual(Object.keys(list[0] as object).sort(), [
      'created_at',
      'dest_compute',
      'dest_host',
      'dest_node',
      'id',
      'instance_uuid',
      'new_instance_type_id',
      'old_instance_type_id',
      'source_compute',
      'source_node',
      'status',
      'updated_at',
    ]);
    assert.match(String(list[0]?.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
  });

  test('host matches either end; status and host combine; cell_name is accepted', async () => {
    const byHost = await f.api.call('GET', '/v2.1/os-migrations?host=h2', ADMIN);
    assert.deepEqual(
      byHost.json.migrations.map((m: { instance_uuid: string }) => m.instance_uuid),
      ['u-1', 'u-2'],
    );
    const both = await f.api.call('GET', '/v2.1/os-migrations?host=h3&status=finished&cell_name=child', ADMIN);
    assert.deepEqual(
      both.json.migrations.map((m: { instance_uuid: string }) => m.instance_uuid),
      ['u-3'],
    );
  });

  test('a non-admin gets 403', async () => {
    const r = await f.api.call('GET', '/v2.1/os-migrations', ALICE);
    assert.equal(r.status, 403);
    assert.ok(r.json.forbidden);
  });
});

describe('os-virtual-interfaces', () => {
  let server = '';
  before(async () => {
    const image = await f.glance.call(ADMIN, 'POST', '/v2/images', {
      json: { name: 'vif', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' },
    });
    const imageId = ((await image.json()) as { id: string }).id;
    await f.glance.call(ADMIN, 'PUT', `/v2/images/${imageId}/file`, {
      body: Buffer.alloc(1024, 1),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const created = await f.api.call('POST', '/v2.1/servers', ALICE, { server: { name: 'vif', imageRef: imageId, flavorRef: '1' } });
    assert.equal(created.status, 202, created.text);
    server = created.json.server.id;
  });

  test('lists each interface of the server as id and mac_address, in order, paged by limit and offset', async () => {
    for (const [i, mac] of ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:02'].entries()) {
      await virtualInterfaceCreate(f.api.db, null, { address: mac, instance_uuid: server, network_id: 1, uuid: `vif-${i}` });
    }
    const r = await f.api.call('GET', `/v2.1/servers/${server}/os-virtual-interfaces`, ALICE);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      virtual_interfaces: [
        { id: 'vif-0', mac_address: 'fa:16:3e:00:00:01' },
        { id: 'vif-1', mac_address: 'fa:16:3e:00:00:02' },
      ],
    });
    const page = await f.api.call('GET', `/v2.1/servers/${server}/os-virtual-interfaces?limit=1&offset=1`, ALICE);
    assert.deepEqual(page.json.virtual_interfaces, [{ id: 'vif-1', mac_address: 'fa:16:3e:00:00:02' }]);
    const bad = await f.api.call('GET', `/v2.1/servers/${server}/os-virtual-interfaces?limit=x`, ALICE);
    assert.equal(bad.status, 400);
  });

  test('another project’s server and an unknown server are 404', async () => {
    assert.equal((await f.api.call('GET', `/v2.1/servers/${server}/os-virtual-interfaces`, BOB)).status, 404);
    assert.equal((await f.api.call('GET', '/v2.1/servers/00000000-0000-4000-8000-000000000000/os-virtual-interfaces', ALICE)).status, 404);
  });
});
