import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NoAuth2Strategy } from '../../../src/api/auth/noauth2.js';
import { Unauthorized } from '../../../src/common/errors.js';

const strategy = new NoAuth2Strategy();
const req = (headers: Record<string, string>) => ({ headers, remoteAddress: '10.0.0.1', requestId: 'req-1', globalRequestId: null });

describe('NoAuth2Strategy', () => {
  test('splits the token into user and project', async () => {
    const ctx = await strategy.authenticate(req({ 'x-auth-token': 'alice:p1' }));
    assert.equal(ctx.userId, 'alice');
    assert.equal(ctx.projectId, 'p1');
    assert.equal(ctx.isAdmin, false);
    assert.equal(ctx.requestId, 'req-1');
  });

  test('uses the user as project when the token has none', async () => {
    const ctx = await strategy.authenticate(req({ 'x-auth-token': 'bob' }));
    assert.equal(ctx.projectId, 'bob');
  });

  test('reads X-Auth-User and X-Auth-Project-Id without a token, and roles from X-Roles', async () => {
    const ctx = await strategy.authenticate(req({ 'x-auth-user': 'carol', 'x-auth-project-id': 'p9', 'x-roles': 'a, b,,' }));
    assert.deepEqual([ctx.userId, ctx.projectId, [...ctx.roles]], ['carol', 'p9', ['a', 'b']]);
  });

  test('makes the admin user an administrator', async () => {
    assert.equal((await strategy.authenticate(req({ 'x-auth-token': 'admin:p1' }))).isAdmin, true);
  });

  test('rejects a request with no credentials at all', async () => {
    await assert.rejects(strategy.authenticate(req({})), Unauthorized);
  });
});
