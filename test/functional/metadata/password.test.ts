import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MetadataCloud, startMetadataCloud } from './harness.js';

describe('the server password: posted once by the guest, read and cleared through os-server-password', () => {
  let c: MetadataCloud;
  let s: { id: string; ip: string };
  const posted = 'ZW5jcnlwdGVkLXdpdGgtdGhlLXNzaC1rZXk=';

  before(async () => {
    c = await startMetadataCloud();
    s = await c.boot('u1:p1', { name: 'win' });
  });
  after(() => c.close());

  const guestPost = (body: string) => c.md('/openstack/latest/password', { from: s.ip, method: 'POST', body });
  const guestGet = async () => (await c.md('/openstack/2013-04-04/password', { from: s.ip })).text;

  it('is empty before the guest posts one', async () => {
    assert.equal(await guestGet(), '');
    const shown = await c.api('GET', `/servers/${s.id}/os-server-password`, 'u1:p1');
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.json, { password: '' });
  });

  it('takes the first POST (200), then refuses the next with 409', async () => {
    const first = await guestPost(posted);
    assert.equal(first.status, 200);
    assert.equal(first.text, '');
    assert.equal(await guestGet(), posted);
    assert.equal((await guestPost('another')).status, 409);
    assert.equal(await guestGet(), posted);
  });

  it('keeps it in system metadata as password_0..3', async () => {
    const rows = await c.db.kysely
      .selectFrom('instance_system_metadata')
      .select(['key', 'value'])
      .where('instance_uuid', '=', s.id)
      .where('key', 'like', 'password_%')
      .where('deleted', '=', 0)
      .orderBy('key')
      .execute();
    assert.deepEqual(rows, [
      { key: 'password_0', value: posted },
      { key: 'password_1', value: '' },
      { key: 'password_2', value: '' },
      { key: 'password_3', value: '' },
    ]);
  });

  it('answers other methods on the password with 400', async () => {
    assert.equal((await c.md('/openstack/latest/password', { from: s.ip, method: 'PUT', body: 'x' })).status, 400);
    assert.equal((await c.md('/openstack/latest/password', { from: s.ip, method: 'DELETE' })).status, 400);
  });

  it('shows it to the owner, to another user of the project and to an admin; another project gets 404', async () => {
    for (const as of ['u1:p1', 'u3:p1', 'admin:admin']) {
      const shown = await c.api('GET', `/servers/${s.id}/os-server-password`, as);
      assert.equal(shown.status, 200, as);
      assert.deepEqual(shown.json, { password: posted });
    }
    const other = await c.api('GET', `/servers/${s.id}/os-server-password`, 'u2:p2');
    assert.equal(other.status, 404);
    assert.ok(other.json.itemNotFound);
    assert.equal((await c.api('DELETE', `/servers/${s.id}/os-server-password`, 'u2:p2')).status, 404);
    assert.equal(await guestGet(), posted, 'a refused DELETE changes nothing');
  });

  it('is cleared by DELETE (204), at once for the guest too, which may then post again', async () => {
    const cleared = await c.api('DELETE', `/servers/${s.id}/os-server-password`, 'u1:p1');
    assert.equal(cleared.status, 204);
    assert.deepEqual((await c.api('GET', `/servers/${s.id}/os-server-password`, 'u1:p1')).json, { password: '' });
    assert.equal(await guestGet(), '');
    assert.equal((await guestPost('second')).status, 200);
    assert.equal((await c.api('DELETE', `/servers/${s.id}/os-server-password`, 'admin:admin')).status, 204);
    assert.equal(await guestGet(), '');
  });

  it('refuses a password over 1020 bytes with 400 and stores one of exactly 1020', async () => {
    const tooLong = await guestPost('a'.repeat(1021));
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.text, /Request is too large/);
    assert.equal(await guestGet(), '');
    const longest = 'b'.repeat(1020);
    assert.equal((await guestPost(longest)).status, 200);
    assert.deepEqual((await c.api('GET', `/servers/${s.id}/os-server-password`, 'u1:p1')).json, { password: longest });
  });

  it('has no password endpoint in the 2012-08-10 tree', async () => {
    assert.equal((await c.md('/openstack/2012-08-10/password', { from: s.ip, method: 'POST', body: 'x' })).status, 404);
  });

  it('answers 404 for a server that does not exist', async () => {
    assert.equal((await c.api('GET', '/servers/00000000-0000-4000-8000-000000000000/os-server-password', 'u1:p1')).status, 404);
  });
});
