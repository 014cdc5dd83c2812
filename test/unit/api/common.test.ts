import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildLinks,
  collectionLinks,
  collectionNextLink,
  getLimitAndMarker,
  isoTime,
  naiveIsoTime,
  queryList,
  queryParam,
  type RequestUrls,
  selfHref,
} from '../../../src/api/openstack/common.js';
import { InvalidInput } from '../../../src/common/errors.js';

function urls(overrides: Partial<RequestUrls> = {}): RequestUrls {
  return {
    root: 'http://nova.test:8774',
    versionRoot: 'http://nova.test:8774/v2.1',
    urlProjectId: null,
    queryPairs: [],
    ...overrides,
  };
}

describe('getLimitAndMarker', () => {
  test('defaults the limit to the maximum and the marker to null', () => {
    assert.deepEqual(getLimitAndMarker({}, 1000), { limit: 1000, marker: null });
  });

  test('caps the limit at the maximum and keeps smaller ones', () => {
    assert.equal(getLimitAndMarker({ limit: '5000' }, 1000).limit, 1000);
    assert.equal(getLimitAndMarker({ limit: '7' }, 1000).limit, 7);
    assert.equal(getLimitAndMarker({ limit: '0' }, 1000).limit, 0);
  });

  test('uses the last value of a repeated parameter', () => {
    assert.deepEqual(getLimitAndMarker({ limit: ['3', '4'], marker: ['m1', 'm2'] }, 1000), { limit: 4, marker: 'm2' });
  });

  test('rejects a non-integer limit and a negative one', () => {
    assert.throws(
      () => getLimitAndMarker({ limit: 'ten' }, 1000),
      (e: unknown) => e instanceof InvalidInput && e.message === 'limit param must be an integer',
    );
    assert.throws(() => getLimitAndMarker({ limit: '1.5' }, 1000), InvalidInput);
    assert.throws(
      () => getLimitAndMarker({ limit: '-1' }, 1000),
      (e: unknown) => e instanceof InvalidInput && e.message === 'limit param must be positive',
    );
  });
});

describe('query helpers', () => {
  test('queryParam returns the last value and queryList all of them', () => {
    assert.equal(queryParam({ a: ['1', '2'] }, 'a'), '2');
    assert.deepEqual(queryList({ a: ['1', '2'] }, 'a'), ['1', '2']);
    assert.deepEqual(queryList({ a: 'x' }, 'a'), ['x']);
    assert.deepEqual(queryList({}, 'a'), []);
  });
});

describe('links', () => {
  test('self carries the version, bookmark does not, and neither invents a project', () => {
    assert.deepEqual(buildLinks({ urls: urls() }, 'servers', 'abc'), [
      { rel: 'self', href: 'http://nova.test:8774/v2.1/servers/abc' },
      { rel: 'bookmark', href: 'http://nova.test:8774/servers/abc' },
    ]);
  });

  test('echo the project when the request URL carried it', () => {
    const req = { urls: urls({ versionRoot: 'http://nova.test:8774/v2', urlProjectId: 'p1' }) };
    assert.deepEqual(buildLinks(req, 'flavors', 1), [
      { rel: 'self', href: 'http://nova.test:8774/v2/p1/flavors/1' },
      { rel: 'bookmark', href: 'http://nova.test:8774/p1/flavors/1' },
    ]);
    assert.equal(selfHref(req, 'servers', 'x'), 'http://nova.test:8774/v2/p1/servers/x');
  });

  test('the next link keeps the query, repeated keys included, and replaces the marker', () => {
    const req = {
      urls: urls({
        queryPairs: [
          ['status', 'A'],
          ['marker', 'old'],
          ['status', 'B'],
          ['limit', '2'],
        ],
      }),
    };
    assert.equal(
      collectionNextLink(req, 'servers/detail', 'm9'),
      'http://nova.test:8774/v2.1/servers/detail?status=A&status=B&limit=2&marker=m9',
    );
  });

  test('collectionLinks gives a next link only for a full page', () => {
    const req = { urls: urls({ queryPairs: [['limit', '2']] }), query: { limit: '2' } };
    assert.deepEqual(collectionLinks(req, [{ uuid: 'a' }, { uuid: 'b' }], 'servers', 1000), [
      { rel: 'next', href: 'http://nova.test:8774/v2.1/servers?limit=2&marker=b' },
    ]);
    assert.deepEqual(collectionLinks(req, [{ uuid: 'a' }], 'servers', 1000), []);
    assert.deepEqual(collectionLinks({ urls: urls(), query: {} }, [{ flavorid: 'f1' }], 'flavors', 1), [
      { rel: 'next', href: 'http://nova.test:8774/v2.1/flavors?marker=f1' },
    ]);
  });
});

describe('time formats', () => {
  test('isoTime is second precision with Z', () => {
    assert.equal(isoTime(new Date('2013-05-01T12:00:00.789Z')), '2013-05-01T12:00:00Z');
    assert.equal(isoTime('2013-05-01 12:00:00'), '2013-05-01T12:00:00Z');
  });

  test('naiveIsoTime has microseconds and no zone, and keeps null', () => {
    assert.equal(naiveIsoTime(new Date('2013-05-01T12:00:00.789Z')), '2013-05-01T12:00:00.789000');
    assert.equal(naiveIsoTime('2013-05-01 12:00:00.123456'), '2013-05-01T12:00:00.123456');
    assert.equal(naiveIsoTime('2013-05-01 12:00:00'), '2013-05-01T12:00:00.000000');
    assert.equal(naiveIsoTime(null), null);
  });
});
