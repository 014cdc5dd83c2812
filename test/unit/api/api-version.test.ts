import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidAPIVersionString, InvalidGlobalAPIVersion } from '../../../src/api/errors.js';
import {
  APIVersion,
  MAX_API_VERSION,
  MIN_API_VERSION,
  negotiateVersion,
  requestedVersionString,
  versionResponseHeaders,
} from '../../../src/api/openstack/api-version.js';

describe('APIVersion', () => {
  test('parses major.minor and prints it back', () => {
    const v = APIVersion.parse('2.10');
    assert.equal(v.major, 2);
    assert.equal(v.minor, 10);
    assert.equal(v.toString(), '2.10');
  });

  test('rejects strings that are not major.minor without leading zeros', () => {
    for (const bad of ['2', '2.01', '02.1', '2.1.0', 'v2.1', '', ' 2.1', '2.x', 'latest']) {
      assert.throws(() => APIVersion.parse(bad), InvalidAPIVersionString, bad);
    }
  });

  test('compares numerically, not as text', () => {
    assert.ok(APIVersion.parse('2.10').compare('2.9') > 0);
    assert.ok(APIVersion.parse('2.9').compare('2.10') < 0);
    assert.equal(APIVersion.parse('2.3').compare('2.3'), 0);
  });

  test('matches an inclusive range with open ends', () => {
    const v = APIVersion.parse('2.5');
    assert.ok(v.matches('2.3'));
    assert.ok(v.matches('2.5', '2.5'));
    assert.ok(!v.matches('2.6'));
    assert.ok(!v.matches(null, '2.4'));
    assert.ok(v.matches(null, null));
    assert.ok(v.matches());
  });

  test('advertises 2.1 as both minimum and maximum', () => {
    assert.equal(MIN_API_VERSION, '2.1');
    assert.equal(MAX_API_VERSION, '2.1');
  });
});

describe('requestedVersionString', () => {
  test('reads the compute entry of the new header among other services', () => {
    assert.equal(requestedVersionString({ 'openstack-api-version': 'volume 3.5, compute 2.1' }), '2.1');
  });

  test('lets the new header win over the legacy one', () => {
    assert.equal(requestedVersionString({ 'openstack-api-version': 'compute 2.3', 'x-openstack-nova-api-version': '2.7' }), '2.3');
  });

  test('falls back to the legacy header when the new one names no compute version', () => {
    assert.equal(requestedVersionString({ 'openstack-api-version': 'volume 3.5', 'x-openstack-nova-api-version': '2.1' }), '2.1');
  });

  test('returns null without either header', () => {
    assert.equal(requestedVersionString({}), null);
  });
});

describe('negotiateVersion', () => {
  test('defaults to the minimum', () => {
    assert.equal(negotiateVersion({}).toString(), MIN_API_VERSION);
  });

  test('maps latest, in any case, to the maximum', () => {
    assert.equal(negotiateVersion({ 'x-openstack-nova-api-version': 'LATEST' }).toString(), MAX_API_VERSION);
    assert.equal(negotiateVersion({ 'openstack-api-version': 'compute latest' }).toString(), MAX_API_VERSION);
  });

  test('rejects a version outside the range with the 406 message', () => {
    assert.throws(
      () => negotiateVersion({ 'x-openstack-nova-api-version': '2.2' }),
      (err: unknown) =>
        err instanceof InvalidGlobalAPIVersion &&
        err.code === 406 &&
        err.message === 'Version 2.2 is not supported by the API. Minimum is 2.1 and maximum is 2.1.',
    );
    assert.throws(() => negotiateVersion({ 'x-openstack-nova-api-version': '1.0' }), InvalidGlobalAPIVersion);
  });

  test('rejects a malformed version with a 400 error', () => {
    assert.throws(
      () => negotiateVersion({ 'x-openstack-nova-api-version': '2.01' }),
      (err: unknown) => err instanceof InvalidAPIVersionString && err.code === 400,
    );
  });
});

test('versionResponseHeaders echoes the version in both forms and varies on both headers', () => {
  assert.deepEqual(versionResponseHeaders(APIVersion.parse('2.1')), {
    'OpenStack-API-Version': 'compute 2.1',
    'X-OpenStack-Nova-API-Version': '2.1',
    Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  });
});
