import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createKeystoneAuthStrategy } from '../../../src/api/auth/keystone.js';
import type { AuthRequest } from '../../../src/api/auth/strategy.js';
import { ServiceUnavailable, Unauthorized } from '../../../src/common/errors.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/identity/opts.js';
import { ADMIN_PASSWORD, call, DEMO_PASSWORD, type Harness, passwordAuth, startHarness, tokenFor } from './harness.js';

function request(token?: string): AuthRequest {
  return {
    headers: token === undefined ? {} : { 'x-auth-token': token },
    remoteAddress: '192.0.2.7',
    requestId: 'req-00000000-0000-0000-0000-000000000001',
    globalRequestId: null,
  };
}

async function refusal(promise: Promise<unknown>): Promise<Unauthorized> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Unauthorized, `expected Unauthorized, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to be refused');
}

describe('keystone auth strategy, in-process', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('turns a project token into a context with user, project, roles, names and catalog', async () => {
    const strategy = createKeystoneAuthStrategy(Config.load(), { identity: h.running.service });
    const token = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const ctx = await strategy.authenticate(request(token));
    assert.equal(ctx.userId, h.accounts.demo.userId);
    assert.equal(ctx.projectId, h.accounts.demo.projectId);
    assert.equal(ctx.userName, 'demo');
    assert.equal(ctx.projectName, 'demo');
    assert.deepEqual([...ctx.roles], ['member']);
    assert.equal(ctx.authToken, token);
    assert.equal(ctx.isAdmin, false);
    assert.equal(ctx.remoteAddress, '192.0.2.7');
    assert.equal(ctx.requestId, 'req-00000000-0000-0000-0000-000000000001');
    assert.ok((ctx.serviceCatalog as { type: string }[]).some((s) => s.type === 'compute'));
  });

  test('refuses a missing, unknown, unscoped or revoked token with 401 and WWW-Authenticate', async () => {
    const strategy = createKeystoneAuthStrategy(Config.load(), { identity: h.running.service });
    const missing = await refusal(strategy.authenticate(request()));
    assert.equal(missing.code, 401);
    assert.equal(missing.headers['WWW-Authenticate'], `Keystone uri="${h.running.url}"`);
    await refusal(strategy.authenticate(request('garbage')));

    const unscoped = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ name: 'demo', domain: { id: 'default' } }, DEMO_PASSWORD, 'unscoped'),
    });
    await refusal(strategy.authenticate(request(unscoped.headers.get('x-subject-token') as string)));

    const token = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    await strategy.authenticate(request(token));
    await call(h, 'DELETE', '/v3/auth/tokens', { token, subject: token });
    await refusal(strategy.authenticate(request(token)));
  });
});

describe('keystone auth strategy, remote Keystone', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    const admin = await tokenFor(h, 'admin', ADMIN_PASSWORD, 'admin');
    const project = await call(h, 'POST', '/v3/projects', { token: admin, body: { project: { name: 'service' } } });
    const user = await call(h, 'POST', '/v3/users', { token: admin, body: { user: { name: 'nova', password: 'nova-pw' } } });
    const role = (await call(h, 'GET', '/v3/roles?name=admin', { token: admin })).body.roles[0].id;
    await call(h, 'PUT', `/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${role}`, { token: admin });
  });
  after(async () => {
    await h.stop();
  });

  function remoteConf(cacheSeconds: number, authUrl = `${h.running.url}/v3`): Config {
    return Config.load({
      overrides: { keystone_authtoken: { auth_url: authUrl, password: 'nova-pw', token_cache_time: cacheSeconds } },
    });
  }

  test('validates through the service user and caches the answer for token_cache_time', async () => {
    const strategy = createKeystoneAuthStrategy(remoteConf(300));
    const token = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const ctx = await strategy.authenticate(request(token));
    assert.equal(ctx.projectId, h.accounts.demo.projectId);
    assert.deepEqual([...ctx.roles], ['member']);
    const missing = await refusal(strategy.authenticate(request()));
    assert.equal(missing.headers['WWW-Authenticate'], `Keystone uri="${h.running.url}"`);

    await call(h, 'DELETE', '/v3/auth/tokens', { token, subject: token });
    // Still accepted from the cache, as keystonemiddleware would.
    assert.equal((await strategy.authenticate(request(token))).userId, h.accounts.demo.userId);
    const uncached = createKeystoneAuthStrategy(remoteConf(0));
    await refusal(uncached.authenticate(request(token)));
    await refusal(uncached.authenticate(request('garbage')));
  });

  test('an unreachable Keystone is a 503, not a 401', async () => {
    const strategy = createKeystoneAuthStrategy(remoteConf(0, 'http://127.0.0.1:9/v3'));
    await assert.rejects(strategy.authenticate(request('anything')), (err: unknown) => err instanceof ServiceUnavailable);
  });
});
