import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { deletedFilter, insertReturningId, softDeleteWhere } from '../../../src/db/api/common.js';
import { openDatabase, regexpMatch } from '../../../src/db/engine.js';
import { isUniqueViolation } from '../../../src/db/errors.js';
import { MIGRATED_NOVA_TABLES, NOVA_LATEST_VERSION, NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { MODEL_TABLES, migrateVersion, SHADOW_TABLES } from '../../../src/db/migrations/nova/schema.js';
import { currentVersion, migrate } from '../../../src/db/migrator.js';
import { forEachEngine } from './engines.js';
import { introspect } from './introspect.js';

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

forEachEngine('nova schema', async (t, { db, engine, scratch }) => {
  await t.test('reports the newest version for the nova repository and none for others', async () => {
    assert.equal(NOVA_LATEST_VERSION, 165);
    assert.equal(await currentVersion(db, NOVA_REPOSITORY), NOVA_LATEST_VERSION);
    assert.equal(await currentVersion(db, 'identity'), null);
  });

  await t.test('creates every table with its columns, nullability, unique constraints and indexes', async () => {
    const actual = await introspect(db);
    assert.equal(MODEL_TABLES.length, 48);
    assert.equal(SHADOW_TABLES.length, 55);
    for (const table of [...MIGRATED_NOVA_TABLES, migrateVersion]) {
      const found = actual.get(table.name);
      assert.ok(found, `table ${table.name} is missing`);
      assert.deepEqual([...found.columns.keys()].sort(), table.columns.map((c) => c.name).sort(), `columns of ${table.name}`);
      for (const c of table.columns) {
        assert.equal(found.columns.get(c.name)?.nullable, c.spec.nullable, `nullability of ${table.name}.${c.name}`);
      }
      assert.equal(found.uniques.length, table.uniques.length, `unique constraints of ${table.name}: ${JSON.stringify(found.uniques)}`);
      for (const u of table.uniques) {
        assert.ok(
          found.uniques.some((cols) => sameColumns(cols, u.columns)),
          `unique ${u.name} (${u.columns.join(', ')}) on ${table.name}`,
        );
      }
      for (const ix of table.indexes) assert.ok(found.indexes.has(ix.name), `index ${ix.name} on ${table.name}`);
    }
    const expected = new Set([...MIGRATED_NOVA_TABLES.map((x) => x.name), 'migrate_version']);
    assert.deepEqual(
      [...actual.keys()].filter((n) => !expected.has(n)),
      [],
      'no unexpected tables',
    );
  });

  await t.test('a second migrate changes nothing', async () => {
    assert.equal(await migrate(db, NOVA_REPOSITORY, novaMigrations), NOVA_LATEST_VERSION);
    const rows = await db.kysely.selectFrom('migrate_version').selectAll().execute();
    assert.deepEqual(rows, [{ repository_id: 'nova', repository_path: 'nova', version: NOVA_LATEST_VERSION }]);
  });

  await t.test('two concurrent migrations of an empty database both end at the newest version', async () => {
    const fresh = await scratch();
    const a = await openDatabase(fresh.url);
    const b = await openDatabase(fresh.url);
    try {
      const versions = await Promise.all([migrate(a, NOVA_REPOSITORY, novaMigrations), migrate(b, NOVA_REPOSITORY, novaMigrations)]);
      assert.deepEqual(versions, [NOVA_LATEST_VERSION, NOVA_LATEST_VERSION]);
      assert.equal(await currentVersion(a, NOVA_REPOSITORY), NOVA_LATEST_VERSION);
    } finally {
      await a.close();
      await b.close();
    }
  });

  await t.test('upgrading a Grizzly database keeps the newest of duplicate key pairs and the first EC2 id of a uuid', async () => {
    const fresh = await scratch();
    const grizzly = await openDatabase(fresh.url);
    try {
      assert.equal(await migrate(grizzly, NOVA_REPOSITORY, novaMigrations, 161), 161);
      const k = grizzly.kysely;
      const key = { user_id: 'u1', name: 'dup', fingerprint: 'f', public_key: 'p', created_at: new Date(), deleted: 0 };
      const first = await insertReturningId(grizzly, 'key_pairs', key);
      const second = await insertReturningId(grizzly, 'key_pairs', key);
      const other = await insertReturningId(grizzly, 'key_pairs', { ...key, name: 'other' });
      const mapping = { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', created_at: new Date(), deleted: 0 };
      const lowest = await insertReturningId(grizzly, 'instance_id_mappings', mapping);
      await insertReturningId(grizzly, 'instance_id_mappings', mapping);

      assert.equal(await migrate(grizzly, NOVA_REPOSITORY, novaMigrations), NOVA_LATEST_VERSION);
      const keys = await k.selectFrom('key_pairs').select(['id', 'deleted']).orderBy('id').execute();
      assert.deepEqual(
        keys.map((r) => [r.id, Number(r.deleted)]),
        [
          [first, first],
          [second, 0],
          [other, 0],
        ],
      );
      const mappings = await k.selectFrom('instance_id_mappings').select('id').where('uuid', '=', mapping.uuid).execute();
      assert.deepEqual(
        mappings.map((r) => r.id),
        [lowest],
      );
      const shape = (await introspect(grizzly)).get('key_pairs');
      assert.ok(!shape?.indexes.has('key_pair_user_id_name_idx'), 'the unique key replaces the old index');
      await assert.rejects(insertReturningId(grizzly, 'key_pairs', key), (err) => isUniqueViolation(err));
      await assert.rejects(insertReturningId(grizzly, 'instance_id_mappings', mapping), (err) => isUniqueViolation(err));
    } finally {
      await grizzly.close();
    }
  });

  await t.test('refuses to downgrade', async () => {
    await assert.rejects(
      migrate(db, NOVA_REPOSITORY, [...novaMigrations, { version: 100, name: 'old', up: async () => {} }], 100),
      /not supported/,
    );
  });

  await t.test('Dates, booleans, integers and NULLs come back as they were written', async () => {
    const created = new Date('2013-04-04T12:34:56.789Z');
    const id = await insertReturningId(db, 'instance_types', {
      name: 'roundtrip',
      memory_mb: 512,
      vcpus: 1,
      swap: 0,
      flavorid: 'rt',
      rxtx_factor: 1.5,
      root_gb: null,
      disabled: true,
      is_public: false,
      created_at: created,
    });
    const row = await db.kysely.selectFrom('instance_types').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(row.created_at instanceof Date);
    assert.equal(row.created_at.toISOString(), created.toISOString());
    assert.equal(row.updated_at, null);
    assert.equal(row.disabled, true);
    assert.equal(row.is_public, false);
    assert.equal(row.memory_mb, 512);
    assert.equal(typeof row.memory_mb, 'number');
    assert.equal(row.rxtx_factor, 1.5);
    assert.equal(row.root_gb, null);
    assert.equal(row.deleted, 0);
    const byDate = await db.kysely.selectFrom('instance_types').select('id').where('created_at', '=', created).execute();
    assert.deepEqual(
      byDate.map((r) => r.id),
      [id],
    );
    const count = await db.kysely
      .selectFrom('instance_types')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(typeof count.n, 'number');
  });

  await t.test('booleans of the legacy tables and string soft-delete markers round-trip', async () => {
    await db.kysely.insertInto('dns_domains').values({ domain: 'example.org', scope: 'public', deleted: false }).execute();
    const d = await db.kysely.selectFrom('dns_domains').selectAll().executeTakeFirstOrThrow();
    assert.equal(d.deleted, false);
    await db.kysely.insertInto('volumes').values({ id: 'vol-1', size: 1 }).execute();
    const v = await db.kysely.selectFrom('volumes').selectAll().executeTakeFirstOrThrow();
    assert.equal(v.deleted, '');
  });

  await t.test('soft delete sets deleted to the id and frees UNIQUE(vlan, deleted) for a new live row', async () => {
    const first = await insertReturningId(db, 'networks', { label: 'a', vlan: 100, cidr: '10.0.0.0/24' });
    await assert.rejects(insertReturningId(db, 'networks', { label: 'b', vlan: 100, cidr: '10.0.1.0/24' }), (err: unknown) =>
      isUniqueViolation(err),
    );
    const at = new Date();
    assert.equal(await softDeleteWhere(db, 'networks', { id: first }, at), 1);
    const old = await db.kysely.selectFrom('networks').selectAll().where('id', '=', first).executeTakeFirstOrThrow();
    assert.equal(old.deleted, first);
    assert.equal(old.deleted_at?.getTime(), at.getTime());
    assert.equal(old.updated_at, null);
    const second = await insertReturningId(db, 'networks', { label: 'b', vlan: 100, cidr: '10.0.1.0/24' });
    assert.notEqual(second, first);
  });

  await t.test('read_deleted no/yes/only select live, all and soft-deleted rows', async () => {
    const a = await insertReturningId(db, 'key_pairs', { name: 'live', user_id: 'u-rd' });
    const b = await insertReturningId(db, 'key_pairs', { name: 'gone', user_id: 'u-rd' });
    await softDeleteWhere(db, 'key_pairs', { id: b });
    const names = async (mode: 'no' | 'yes' | 'only') => {
      const f = deletedFilter('key_pairs', mode);
      let q = db.kysely.selectFrom('key_pairs').select(['id', 'name']).where('user_id', '=', 'u-rd');
      if (f) q = q.where(f);
      return (await q.orderBy('id').execute()).map((r) => r.id);
    };
    assert.deepEqual(await names('no'), [a]);
    assert.deepEqual(await names('yes'), [a, b]);
    assert.deepEqual(await names('only'), [b]);
  });

  await t.test('regexpMatch is an unanchored search on every engine', async () => {
    await insertReturningId(db, 'certificates', { user_id: 'u', project_id: 'p', file_name: 'server-alpha-01' });
    await insertReturningId(db, 'certificates', { user_id: 'u', project_id: 'p', file_name: 'server-beta-02' });
    const match = async (pattern: string) =>
      (
        await db.kysely
          .selectFrom('certificates')
          .select('file_name')
          .where(regexpMatch(db.dialect, 'file_name', pattern))
          .orderBy('id')
          .execute()
      ).map((r) => r.file_name);
    assert.deepEqual(await match('alpha'), ['server-alpha-01']);
    assert.deepEqual(await match('^server-.*-0[12]$'), ['server-alpha-01', 'server-beta-02']);
    assert.deepEqual(await match('^alpha'), []);
  });

  await t.test('foreign keys are enforced', async () => {
    await assert.rejects(
      db.kysely.insertInto('instance_info_caches').values({ instance_uuid: '00000000-0000-0000-0000-00000000dead' }).execute(),
      `${engine.name} accepted an info cache for a missing instance`,
    );
  });

  await t.test('timestamps in the database are UTC', async () => {
    const at = new Date('2020-01-02T03:04:05.000Z');
    const id = await insertReturningId(db, 'agent_builds', { hypervisor: 'qemu', created_at: at });
    const text =
      db.dialect === 'postgres'
        ? sql<{ v: string }>`select to_char(created_at, 'YYYY-MM-DD HH24:MI:SS') as v from agent_builds where id = ${id}`
        : db.dialect === 'mysql'
          ? sql<{ v: string }>`select date_format(created_at, '%Y-%m-%d %H:%i:%s') as v from agent_builds where id = ${id}`
          : sql<{ v: string }>`select substr(created_at, 1, 19) as v from agent_builds where id = ${id}`;
    assert.equal((await text.execute(db.kysely)).rows[0]?.v, '2020-01-02 03:04:05');
  });
});
