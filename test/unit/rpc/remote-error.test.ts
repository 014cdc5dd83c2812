import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlavorNotFound, NotFound, OverQuota, PolicyNotAuthorized, RemoteError } from '../../../src/common/errors.js';
import { deserializeFailure, serializeFailure } from '../../../src/rpc/remote-error.js';

test('the failure string has the keys Nova sends', () => {
  const fields = JSON.parse(serializeFailure(new FlavorNotFound('Flavor 7 could not be found.', { kwargs: { flavor_id: 7 } })));
  assert.deepEqual(Object.keys(fields).sort(), ['args', 'class', 'kwargs', 'message', 'module', 'tb']);
  assert.equal(fields.class, 'FlavorNotFound');
  assert.equal(fields.module, 'nova.exception');
  assert.deepEqual(fields.kwargs, { flavor_id: 7 });
  assert.ok(Array.isArray(fields.tb));
});

test('a registered NovaError comes back as the same class, message and kwargs', () => {
  const err = deserializeFailure(serializeFailure(new FlavorNotFound('Flavor 7 could not be found.', { kwargs: { flavor_id: 7 } })));
  assert.ok(err instanceof FlavorNotFound && err instanceof NotFound);
  assert.equal(err.message, 'Flavor 7 could not be found.');
  assert.equal(err.code, 404);
  assert.deepEqual(err.kwargs, { flavor_id: 7 });
});

test('a class whose constructor takes other arguments keeps its message and fields', () => {
  const policy = deserializeFailure(serializeFailure(new PolicyNotAuthorized('compute:start')));
  assert.ok(policy instanceof PolicyNotAuthorized);
  assert.equal(policy.message, "Policy doesn't allow compute:start to be performed.");
  const quota = deserializeFailure(serializeFailure(new OverQuota(['cores'], { cores: 2 }, { cores: { in_use: 2, reserved: 0 } })));
  assert.ok(quota instanceof OverQuota);
  assert.deepEqual(quota.overs, ['cores']);
});

test('an unknown class or a non-Nova module becomes RemoteError', () => {
  const unknown = deserializeFailure(
    JSON.stringify({ class: 'Mystery', module: 'nova.exception', message: 'boom', tb: [], args: [], kwargs: {} }),
  );
  assert.ok(unknown instanceof RemoteError);
  assert.equal(unknown.excType, 'Mystery');
  const builtin = deserializeFailure(serializeFailure(new RangeError('too far')));
  assert.ok(builtin instanceof RemoteError);
  assert.equal(builtin.excType, 'RangeError');
  assert.match(builtin.message, /too far/);
});

test('a failure string that is not JSON becomes RemoteError carrying the text', () => {
  const err = deserializeFailure('not json');
  assert.ok(err instanceof RemoteError);
  assert.match(err.message, /not json/);
});
