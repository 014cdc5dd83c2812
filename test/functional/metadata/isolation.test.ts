import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitForRest } from '../compute/harness.js';
import { type MetadataCloud, startMetadataCloud } from './harness.js';

describe('one instance never reads another instance’s metadata', () => {
  let c: MetadataCloud;
  let a: { id: string; ip: string };
  let b: { id: string; ip: string };

  before(async () => {
    c = await startMetadataCloud();
    a = await c.boot('u1:p1', { name: 'alpha', user_data: Buffer.from('alpha data').toString('base64'), metadata: { who: 'alpha' } });
    b = await c.boot('u2:p2', { name: 'beta', user_data: Buffer.from('beta data').toString('base64'), metadata: { who: 'beta' } });
  });
  after(() => c.close());

  it('answers each address with its own instance only', async () => {
    assert.notEqual(a.ip, b.ip);
    for (const [server, name] of [
      [a, 'alpha'],
      [b, 'beta'],
    ] as const) {
      const doc = JSON.parse((await c.md('/openstack/latest/meta_data.json', { from: server.ip })).text);
      assert.equal(doc.uuid, server.id);
      assert.deepEqual(doc.meta, { who: name });
      assert.equal((await c.md('/latest/user-data', { from: server.ip })).text, `${name} data`);
      assert.equal((await c.md('/latest/meta-data/local-ipv4', { from: server.ip })).text, server.ip);
    }
    const idA = (await c.md('/latest/meta-data/instance-id', { from: a.ip })).text;
    const idB = (await c.md('/latest/meta-data/instance-id', { from: b.ip })).text;
    assert.notEqual(idA, idB);
  });

  it('follows an address to the instance that holds it now, even with the old holder cached', async () => {
    assert.equal(JSON.parse((await c.md('/openstack/latest/meta_data.json', { from: a.ip })).text).uuid, a.id);
    // The address moves to the other instance (as after a delete and a new allocation).
    await c.db.kysely.updateTable('fixed_ips').set({ instance_uuid: b.id }).where('address', '=', a.ip).execute();
    try {
      const doc = JSON.parse((await c.md('/openstack/latest/meta_data.json', { from: a.ip })).text);
      assert.equal(doc.uuid, b.id);
      assert.equal((await c.md('/latest/user-data', { from: a.ip })).text, 'beta data');
      assert.equal((await c.md('/latest/meta-data/local-ipv4', { from: a.ip })).text, a.ip);
    } finally {
      await c.db.kysely.updateTable('fixed_ips').set({ instance_uuid: a.id }).where('address', '=', a.ip).execute();
    }
  });

  it('ignores X-Forwarded-For unless use_forwarded_for is set, so a guest cannot claim another address', async () => {
    const strict = await startMetadataCloud({ use_forwarded_for: false });
    try {
      const server = await strict.boot('u1:p1', { name: 'gamma' });
      // The request comes from 127.0.0.1, which is no fixed IP.
      assert.equal((await strict.md('/latest/meta-data/instance-id', { from: server.ip })).status, 404);
      assert.equal((await strict.md('/', { from: server.ip })).status, 200);
    } finally {
      await strict.close();
    }
  });

  it('answers 404 for a deleted instance once its address is released', async () => {
    const gone = await c.boot('u1:p1', { name: 'short-lived' });
    assert.equal((await c.md('/latest/meta-data/hostname', { from: gone.ip })).text, 'short-lived.novalocal');
    assert.equal((await c.api('DELETE', `/servers/${gone.id}`, 'u1:p1')).status, 204);
    await waitForRest(c.cloud, gone.id);
    // The row is soft-deleted just after vm_state becomes `deleted`.
    const deadline = Date.now() + 5000;
    while (
      (await c.db.kysely.selectFrom('instances').select('deleted').where('uuid', '=', gone.id).executeTakeFirstOrThrow()).deleted === 0
    ) {
      assert.ok(Date.now() < deadline, 'the instance row was never deleted');
      await new Promise((r) => setTimeout(r, 10));
    }
    c.advance(15_000);
    assert.equal((await c.md('/latest/meta-data/hostname', { from: gone.ip })).status, 404);
  });
});
