import assert from 'node:assert/strict';
import { KeyPairExists, KeypairNotFound, NotAuthorized } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { keyPairCreate, keyPairDestroy, keyPairGet, keyPairGetAllByUser } from '../../../src/db/api/keypairs.js';
import { forEachEngine } from './engines.js';

const alice = new RequestContext({ userId: 'alice', projectId: 'p1', roles: ['member'] });
const key = (user_id: string, name: string) => ({ user_id, name, fingerprint: `fp-${name}`, public_key: `ssh-rsa AAAA ${name}` });

forEachEngine('keypairs DB API', async (t, { db }) => {
  await t.test('keyPairCreate stores the key; a second live key of the same name for the user is KeyPairExists', async () => {
    const created = await keyPairCreate(db, alice, key('alice', 'k1'));
    assert.equal(created.fingerprint, 'fp-k1');
    assert.equal(created.deleted, 0);
    await assert.rejects(keyPairCreate(db, alice, key('alice', 'k1')), KeyPairExists);
    await keyPairCreate(db, null, key('bob', 'k1'));
    assert.equal((await keyPairGet(db, null, 'bob', 'k1')).user_id, 'bob', 'names are per user');
  });

  await t.test('racing creates of one name: exactly one wins, the others get KeyPairExists', async () => {
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => keyPairCreate(db, null, key('carol', 'race'))));
    assert.equal((await keyPairGetAllByUser(db, null, 'carol')).length, 1);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof KeyPairExists, String(r.reason));
  });

  await t.test('keyPairGetAllByUser lists a user key pairs by name', async () => {
    await keyPairCreate(db, alice, key('alice', 'a0'));
    assert.deepEqual(
      (await keyPairGetAllByUser(db, alice, 'alice')).map((k) => k.name),
      ['a0', 'k1'],
    );
    assert.deepEqual(await keyPairGetAllByUser(db, null, 'nobody'), []);
  });

  await t.test('a user may not read or write another user key pairs', async () => {
    await assert.rejects(keyPairGet(db, alice, 'bob', 'k1'), NotAuthorized);
    await assert.rejects(keyPairGetAllByUser(db, alice, 'bob'), NotAuthorized);
    await assert.rejects(keyPairCreate(db, alice, key('bob', 'x')), NotAuthorized);
    await assert.rejects(keyPairDestroy(db, alice, 'bob', 'k1'), NotAuthorized);
  });

  await t.test('keyPairDestroy removes the row for good; the name can be used again', async () => {
    await keyPairDestroy(db, alice, 'alice', 'k1');
    await assert.rejects(keyPairGet(db, alice, 'alice', 'k1'), KeypairNotFound);
    await assert.rejects(keyPairDestroy(db, alice, 'alice', 'k1'), KeypairNotFound);
    const rows = await db.kysely.selectFrom('key_pairs').select('id').where('user_id', '=', 'alice').where('name', '=', 'k1').execute();
    assert.equal(rows.length, 0, 'no soft-deleted row is left behind');
    await keyPairCreate(db, alice, key('alice', 'k1'));
    assert.equal((await keyPairGet(db, alice, 'alice', 'k1')).fingerprint, 'fp-k1');
  });
});
