import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { parse } from 'yaml';
import { type Database, openDatabase } from '../../../src/db/engine.js';
import type { IdentitySchema } from '../../../src/db/identity/schema.js';
import { IdentityStore } from '../../../src/db/identity/store.js';
import { bootstrapIdentity, writeCloudsYaml } from '../../../src/identity/bootstrap.js';
import { verifyPassword } from '../../../src/identity/passwords.js';
import { IdentityService } from '../../../src/identity/service.js';

describe('bootstrapIdentity', () => {
  let db: Database<IdentitySchema>;
  let service: IdentityService;
  beforeEach(async () => {
    db = await openDatabase<IdentitySchema>('sqlite://');
    const store = new IdentityStore(db);
    await store.migrate();
    service = new IdentityService(store, { tokenExpiration: 3600, catalog: [] });
  });
  afterEach(async () => {
    await db.close();
  });

  test('creates the default domain, roles, admin and demo with their grants', async () => {
    const result = await bootstrapIdentity(service, { adminPassword: 'a', demoPassword: 'd' });
    assert.equal((await service.getDomain('default')).name, 'Default');
    assert.deepEqual(
      (await service.listRoles()).map((r) => r.name),
      ['admin', 'member', 'reader'],
    );
    const adminRoles = await service.listGrantedRoles(result.admin.userId, { projectId: result.admin.projectId });
    assert.deepEqual(
      adminRoles.map((r) => r.name),
      ['admin'],
    );
    const demoRoles = await service.listGrantedRoles(result.demo.userId, { projectId: result.demo.projectId });
    assert.deepEqual(
      demoRoles.map((r) => r.name),
      ['member'],
    );
    assert.equal(result.admin.generated, false);
    assert.equal(result.admin.password, 'a');
    assert.ok(await verifyPassword('d', (await service.getUser(result.demo.userId)).passwordHash));
  });

  test('generates passwords once and is idempotent on the next start', async () => {
    const first = await bootstrapIdentity(service);
    assert.equal(first.admin.generated, true);
    assert.equal(first.demo.generated, true);
    assert.ok((first.admin.password ?? '').length >= 16);
    assert.notEqual(first.admin.password, first.demo.password);
    const second = await bootstrapIdentity(service);
    assert.equal(second.admin.userId, first.admin.userId);
    assert.equal(second.demo.projectId, first.demo.projectId);
    assert.equal(second.admin.generated, false);
    assert.equal(second.admin.password, null);
    assert.equal((await service.listUsers()).length, 2);
    assert.equal((await service.listRoleAssignments({})).length, 2);
    assert.ok(await verifyPassword(first.admin.password as string, (await service.getUser(first.admin.userId)).passwordHash));
  });

  test('a configured password that changed replaces the stored one', async () => {
    const first = await bootstrapIdentity(service, { adminPassword: 'old' });
    await bootstrapIdentity(service, { adminPassword: 'new' });
    const hash = (await service.getUser(first.admin.userId)).passwordHash;
    assert.ok(await verifyPassword('new', hash));
    assert.equal(await verifyPassword('old', hash), false);
  });

  test('stores passwords as scrypt hashes, never in clear', async () => {
    const result = await bootstrapIdentity(service, { adminPassword: 'plain-text-secret' });
    const hash = (await service.getUser(result.admin.userId)).passwordHash ?? '';
    assert.match(hash, /^scrypt\$\d+\$\d+\$\d+\$/);
    assert.equal(hash.includes('plain-text-secret'), false);
  });
});

describe('writeCloudsYaml', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nova-clouds-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes nova-ts and nova-ts-demo for identity v3, readable by the owner only', async () => {
    const path = join(dir, 'clouds.yaml');
    await writeCloudsYaml(path, {
      authUrl: 'http://h:5000/v3',
      region: 'RegionOne',
      admin: { username: 'admin', password: 'pa', projectName: 'admin' },
      demo: { username: 'demo', password: 'pd', projectName: 'demo' },
    });
    const doc = parse(readFileSync(path, 'utf8'));
    assert.deepEqual(doc.clouds['nova-ts'], {
      auth: {
        auth_url: 'http://h:5000/v3',
        username: 'admin',
        password: 'pa',
        project_name: 'admin',
        user_domain_name: 'Default',
        project_domain_name: 'Default',
      },
      region_name: 'RegionOne',
      interface: 'public',
      identity_api_version: 3,
    });
    assert.equal(doc.clouds['nova-ts-demo'].auth.username, 'demo');
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });
});
