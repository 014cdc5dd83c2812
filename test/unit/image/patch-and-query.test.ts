import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageBadRequest } from '../../../src/image/errors.js';
import { normaliseApiServer, patchFor, toNovaImage } from '../../../src/image/glance-client.js';
import { firstLink, nextLink, parseListQuery } from '../../../src/image/list-query.js';
import { parsePatch } from '../../../src/image/patch.js';

test('parsePatch decodes JSON pointer escapes and keeps values', () => {
  assert.deepEqual(
    parsePatch([
      { op: 'add', path: '/a~1b~0c', value: 'v' },
      { op: 'remove', path: '/x' },
    ]),
    [
      { op: 'add', attribute: 'a/b~c', value: 'v' },
      { op: 'remove', attribute: 'x' },
    ],
  );
});

test('parsePatch rejects unknown ops, nested paths, missing values and non-arrays', () => {
  for (const body of [
    {},
    [{ op: 'copy', path: '/a' }],
    [{ op: 'add', path: '/a/b', value: 1 }],
    [{ op: 'replace', path: '/a' }],
    [{ op: 'add', path: 'a', value: 1 }],
  ]) {
    assert.throws(() => parsePatch(body), ImageBadRequest, JSON.stringify(body));
  }
});

test('parseListQuery reads repeated tags, sort keys, size bounds and custom properties', () => {
  const q = parseListQuery(
    new URLSearchParams('tag=a&tag=b&sort_key=name&sort_key=size&sort_dir=asc&size_min=3&os_distro=ubuntu&limit=5000'),
    25,
    1000,
  );
  assert.deepEqual(q.filters.tags, ['a', 'b']);
  assert.equal(q.filters.size_min, 3);
  assert.deepEqual(q.filters.properties, { os_distro: 'ubuntu' });
  assert.deepEqual(q.sort, [
    ['name', 'asc'],
    ['size', 'asc'],
  ]);
  assert.equal(q.limit, 1000);
  assert.equal(parseListQuery(new URLSearchParams(''), 25, 1000).limit, 25);
  assert.deepEqual(parseListQuery(new URLSearchParams(''), 25, 1000).sort, [['created_at', 'desc']]);
});

test('parseListQuery refuses mixing sort with sort_key, and bad visibility values', () => {
  assert.throws(() => parseListQuery(new URLSearchParams('sort=name&sort_key=size'), 25, 1000), ImageBadRequest);
  assert.throws(() => parseListQuery(new URLSearchParams('visibility=everyone'), 25, 1000), ImageBadRequest);
  assert.throws(() => parseListQuery(new URLSearchParams('size_max=big'), 25, 1000), ImageBadRequest);
});

test('first and next links carry the query without and with the marker', () => {
  const params = new URLSearchParams('limit=2&marker=old&name=x');
  assert.equal(firstLink(params), '/v2/images?limit=2&name=x');
  assert.equal(nextLink(params, 'new'), '/v2/images?limit=2&marker=new&name=x');
});

test('normaliseApiServer accepts host:port and versioned URLs', () => {
  assert.equal(normaliseApiServer('glance:9292'), 'http://glance:9292');
  assert.equal(normaliseApiServer('https://img.example/v2/'), 'https://img.example');
});

test('patchFor replaces changed core values, adds and removes properties, and purges when asked', () => {
  const current = { id: 'i', name: 'old', min_ram: 0, visibility: 'private', keep: '1', drop: '2' };
  assert.deepEqual(patchFor(current, { name: 'new', is_public: true, properties: { keep: '1', add: '3' } }, true), [
    { op: 'replace', path: '/name', value: 'new' },
    { op: 'replace', path: '/visibility', value: 'public' },
    { op: 'add', path: '/add', value: '3' },
    { op: 'remove', path: '/drop' },
  ]);
  assert.deepEqual(patchFor(current, { properties: { add: '3' } }, false), [{ op: 'add', path: '/add', value: '3' }]);
});

test('toNovaImage puts custom properties under properties and maps visibility to is_public', () => {
  const image = toNovaImage({
    id: 'i',
    name: 'n',
    status: 'active',
    visibility: 'public',
    size: 3,
    min_ram: 1,
    min_disk: 2,
    tags: [],
    kernel_id: 'k',
    created_at: '2024-01-01T00:00:00Z',
  });
  assert.equal(image.is_public, true);
  assert.deepEqual(image.properties, { kernel_id: 'k' });
  assert.equal(image.created_at?.toISOString(), '2024-01-01T00:00:00.000Z');
});
