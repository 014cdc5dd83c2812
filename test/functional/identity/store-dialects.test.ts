import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, type TestContext, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openDatabase } from '../../../src/db/engine.js';
import type { IdentitySchema } from '../../../src/db/identity/schema.js';
import { IdentityStore } from '../../../src/db/identity/store.js';
import { bootstrapIdentity } from '../../../src/identity/bootstrap.js';
import { IdentityConflict } from '../../../src/identity/errors.js';
import { IdentityService } from '../../../src/identity/service.js';
import { probe, requireExternal } from '../../support/externals.js';

interface Engine {
  name: string;
  /** Creates a scratch database; returns its URL and a function that drops it. */
  create(): Promise<{ url: string; drop(): Promise<void> }>;
}

const suffix = () => randomBytes(4).toString('hex');

const engines: Engine[] = [
  { name: 'sqlite', create: async () => ({ url: 'sqlite://', drop: async () => undefined }) },
  {
    name: 'postgresql',
    async create() {
      const name = `nova_identity_${suffix()}`;
      const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return {
        url: `postgresql://postgres@127.0.0.1:5432/${name}`,
        async drop() {
          const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name}`);
          await c.end();
        },
      };
    },
  },
  {
    name: 'mysql',
    async create() {
      const name = `nova_identity_${suffix()}`;
      const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return {
        url: `mysql://root@127.0.0.1:3306/${name}`,
        async drop() {
          const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
          await c.query(`DROP DATABASE IF EXISTS ${name}`);
          await c.end();
        },
      };
    },
  },
];

for (const engine of engines) {
  describe(`identity store on ${engine.name}`, () => {
    test('migrates twice, bootstraps, issues and revokes tokens, and refuses duplicate names', async (t: TestContext) => {
      let scratch: { url: string; drop(): Promise<void> } | undefined;
      const problem = await probe(async () => {
        scratch = await engine.create();
      });
      if (!requireExternal(t, engine.name, problem) || !scratch) return;
      const db = await openDatabase<IdentitySchema>(scratch.url);
      try {
        const store = new IdentityStore(db);
        assert.equal(await store.migrate(), 1);
        assert.equal(await store.migrate(), 1);
        const service = new IdentityService(store, { tokenExpiration: 3600, catalog: [] });
        const accounts = await bootstrapIdentity(service, { adminPassword: 'pw' });
        await assert.rejects(service.createProject({ name: 'demo' }), IdentityConflict);

        const token = await service.authenticate({
          methods: ['password'],
          password: { user: { name: 'admin', domain: { id: 'default' } }, password: 'pw' },
          scope: { project: { id: accounts.admin.projectId } },
        });
        const validated = await service.validateToken(token.id);
        assert.equal(validated.project?.id, accounts.admin.projectId);
        assert.deepEqual(
          validated.roles.map((r) => r.name),
          ['admin'],
        );
        assert.equal(validated.expiresAt.getTime() - validated.issuedAt.getTime(), 3600_000);
        await service.revokeToken(token.id);
        await assert.rejects(service.validateToken(token.id));

        const user = await service.createUser({ name: 'extra', password: 'x', extra: { email: 'e@example.com' } });
        assert.equal((await service.getUser(user.id)).extra.email, 'e@example.com');
        assert.equal((await service.getUser(user.id)).enabled, true);
        await service.deleteUser(user.id);
      } finally {
        await db.close();
        await scratch.drop();
      }
    });
  });
}
