import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Config } from '../../../src/config/config.js';
import { DBConnectionError } from '../../../src/db/errors.js';
import { dbSync, dbVersion } from '../../../src/db/manage.js';
import { NOVA_LATEST_VERSION } from '../../../src/db/migrations/nova/index.js';
import { databaseOpts, serviceRecordOpts } from '../../../src/db/opts.js';
import '../../../src/config/common-opts.js';

test('db sync creates the SQLite directory, migrates to the newest version, and db version reports it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nova-manage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = Config.load({ overrides: { DEFAULT: { state_path: join(dir, 'state') } } });
  assert.equal(await dbVersion(Config.load({ overrides: { database: { connection: 'sqlite://' } } })), null);
  assert.equal(await dbSync(conf), NOVA_LATEST_VERSION);
  assert.ok(existsSync(join(dir, 'state', 'nova.sqlite')), 'the default connection interpolates $state_path');
  assert.equal(await dbVersion(conf), NOVA_LATEST_VERSION);
  assert.equal(await dbSync(conf), NOVA_LATEST_VERSION);
});

test('db sync against an unreachable server fails with one typed line', async () => {
  const conf = Config.load({ overrides: { database: { connection: 'postgresql://nova:pw@127.0.0.1:1/nova' } } });
  await assert.rejects(dbSync(conf), (err: unknown) => {
    assert.ok(err instanceof DBConnectionError);
    assert.match(err.message, /^Cannot connect to database postgresql:\/\/nova:\*\*\*\*@127\.0\.0\.1:1\/nova: /);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});

test('nova.conf may still name the database with the deprecated [DEFAULT] sql_* options', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nova-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nova.conf');
  writeFileSync(file, '[DEFAULT]\nsql_connection = mysql://nova:pw@db/nova\nsql_max_pool_size = 12\n');
  const conf = Config.load({ configFiles: [file] });
  const o = conf.get(databaseOpts);
  assert.equal(o.connection, 'mysql://nova:pw@db/nova');
  assert.equal(o.max_pool_size, 12);
  assert.equal(o.idle_timeout, 3600);
  assert.equal(conf.get(serviceRecordOpts).enable_new_services, true);
});
