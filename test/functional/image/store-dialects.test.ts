import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../../../src/db/engine.js';
import { DBDuplicateEntry } from '../../../src/db/errors.js';
import type { ImageSchema } from '../../../src/db/image/schema.js';
import { type ImageRecord, ImageStore, migrateImageSchema } from '../../../src/db/image/store.js';
import { ENGINES } from '../../integration/db/engines.js';
import { requireExternal } from '../../support/externals.js';

function record(id: string, owner: string, visibility: string, extra: Partial<ImageRecord> = {}): ImageRecord {
  const now = new Date('2024-01-02T03:04:05.678Z');
  return {
    id,
    name: id.slice(0, 8),
    status: 'queued',
    visibility,
    protected: false,
    os_hidden: false,
    owner,
    size: null,
    virtual_size: null,
    checksum: null,
    os_hash_algo: null,
    os_hash_value: null,
    min_disk: 0,
    min_ram: 0,
    disk_format: 'raw',
    container_format: 'bare',
    location: null,
    created_at: now,
    updated_at: now,
    tags: [],
    properties: {},
    ...extra,
  };
}

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';
const ID3 = '33333333-3333-4333-8333-333333333333';

for (const engine of ENGINES) {
  test(`image store keeps images, properties, tags and members [${engine.name}]`, async (t) => {
    if (engine.external && !requireExternal(t, engine.external, await engine.probe())) return;
    const scratch = await engine.create();
    const db = await openDatabase<ImageSchema>(scratch.url);
    try {
      assert.equal(await migrateImageSchema(db), 1);
      assert.equal(await migrateImageSchema(db), 1);
      const store = new ImageStore(db);
      await store.create(record(ID1, 'p1', 'private', { tags: ['a', 'b'], properties: { os: 'linux' }, size: 5_000_000_000 }));
      await store.create(record(ID2, 'p1', 'shared'));
      await store.create(record(ID3, 'p2', 'public', { protected: true }));
      await assert.rejects(store.create(record(ID1, 'p1', 'private')), DBDuplicateEntry);

      const got = await store.get(ID1);
      assert.deepEqual(got?.tags, ['a', 'b']);
      assert.deepEqual(got?.properties, { os: 'linux' });
      assert.equal(got?.size, 5_000_000_000);
      assert.equal(got?.created_at.toISOString(), '2024-01-02T03:04:05.678Z');
      assert.equal((await store.get(ID3))?.protected, true);

      const ids = async (q: Parameters<ImageStore['list']>[0]) => (await store.list(q)).map((i) => i.id).sort();
      assert.deepEqual(await ids({ viewer: { projectId: 'p2', isAdmin: false } }), [ID3]);
      assert.deepEqual(await ids({ viewer: { projectId: 'p1', isAdmin: false } }), [ID1, ID2, ID3]);
      assert.deepEqual(await ids({ viewer: { projectId: null, isAdmin: true }, tags: ['a'] }), [ID1]);
      assert.deepEqual(await ids({ viewer: { projectId: null, isAdmin: true }, properties: { os: 'linux' } }), [ID1]);
      assert.deepEqual(await ids({ viewer: { projectId: null, isAdmin: true }, size_min: 1 }), [ID1]);

      await store.addMember(ID2, 'p2');
      await assert.rejects(store.addMember(ID2, 'p2'), DBDuplicateEntry);
      assert.deepEqual(await ids({ viewer: { projectId: 'p2', isAdmin: false } }), [ID3]);
      await store.updateMember(ID2, 'p2', 'accepted');
      assert.deepEqual(await ids({ viewer: { projectId: 'p2', isAdmin: false } }), [ID2, ID3]);

      const updated = await store.update(ID1, {
        core: { name: 'renamed' },
        setProperties: { os: 'linux', arch: 'x86_64' },
        removeProperties: [],
        tags: ['c'],
      });
      assert.equal(updated?.name, 'renamed');
      assert.deepEqual(updated?.properties, { os: 'linux', arch: 'x86_64' });
      assert.deepEqual(updated?.tags, ['c']);
      assert.equal(await store.update(ID1, { core: { status: 'active' }, expectStatus: ['saving'] }), null);

      assert.equal(await store.delete(ID2), true);
      assert.equal(await store.get(ID2), null);
      assert.deepEqual(await store.listMembers(ID2), []);
      assert.equal(await store.delete(ID2), false);
    } finally {
      await db.close();
      await scratch.drop();
    }
  });
}
