import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetadataCache } from '../../../../src/api/metadata/cache.js';
import { forwardedFor, proxySignature, requesterAddress, verifyProxyHeaders } from '../../../../src/api/metadata/identify.js';
import { BadRequest, Forbidden } from '../../../../src/common/errors.js';
import { InstanceMetadata } from '../../../../src/metadata/instance-metadata.js';
import { source } from '../../metadata/fixtures.js';

describe('the requester address', () => {
  it('is the socket peer, without the IPv4-mapped prefix, unless use_forwarded_for is on', () => {
    assert.equal(requesterAddress('::ffff:10.0.0.3', { 'x-forwarded-for': ['10.0.0.9'] }, false), '10.0.0.3');
    assert.equal(requesterAddress('127.0.0.1', { 'x-forwarded-for': ['10.0.0.9'] }, true), '10.0.0.9');
    assert.equal(requesterAddress('127.0.0.1', {}, true), '127.0.0.1');
  });

  it('takes the entry the nearest proxy appended, not what the client wrote before it', () => {
    assert.equal(forwardedFor({ 'x-forwarded-for': ['10.0.0.5, 10.0.0.3'] }), '10.0.0.3');
    assert.equal(forwardedFor({ 'x-forwarded-for': ['10.0.0.5', '10.0.0.4'] }), '10.0.0.4');
    assert.equal(forwardedFor({ 'x-forwarded-for': [' '] }), null);
  });
});

describe('the proxy signature', () => {
  const id = '6d1c4c58-1b7f-4bd1-9c39-3b2b1f7c0a11';

  it('is the lowercase hex HMAC-SHA256 of the instance id', () => {
    // RFC 4231, test case 2.
    assert.equal(
      proxySignature('Jefe', 'what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    assert.match(proxySignature('secret', id), /^[0-9a-f]{64}$/);
    const headers = { 'x-instance-id': [id], 'x-tenant-id': ['p1'], 'x-instance-id-signature': [proxySignature('secret', id)] };
    assert.deepEqual(verifyProxyHeaders(headers, 'secret'), { instanceUuid: id, tenantId: 'p1', address: null });
    assert.throws(() => verifyProxyHeaders(headers, 'other'), Forbidden);
    assert.throws(() => verifyProxyHeaders({ ...headers, 'x-tenant-id': undefined }, 'secret'), BadRequest);
    assert.throws(() => verifyProxyHeaders({ ...headers, 'x-instance-id': [id, id] }, 'secret'), BadRequest);
  });
});

describe('the metadata cache', () => {
  it('keeps an entry for its lifetime, per address, and drops all of an instance’s entries on invalidation', () => {
    let now = 0;
    const cache = new MetadataCache(15, () => now);
    const md = new InstanceMetadata(source());
    cache.set('a', '10.0.0.3', md);
    cache.set('a', '10.0.1.3', md);
    cache.set('b', '10.0.0.4', md);
    assert.equal(cache.get('a', '10.0.0.3'), md);
    assert.equal(cache.get('a', '10.0.0.9'), undefined);
    now = 14_999;
    assert.equal(cache.get('b', '10.0.0.4'), md);
    cache.invalidate('a');
    assert.equal(cache.get('a', '10.0.0.3'), undefined);
    assert.equal(cache.get('a', '10.0.1.3'), undefined);
    now = 15_000;
    assert.equal(cache.get('b', '10.0.0.4'), undefined);
    assert.equal(cache.size, 0);
  });

  it('keeps nothing when the lifetime is 0', () => {
    const cache = new MetadataCache(0);
    cache.set('a', null, new InstanceMetadata(source()));
    assert.equal(cache.get('a', null), undefined);
  });
});
