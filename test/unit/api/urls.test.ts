import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyLinkPrefix, urlJoin } from '../../../src/api/openstack/urls.js';

test('urlJoin trims slashes at the seams and adds a trailing slash for an empty last part', () => {
  assert.equal(urlJoin('http://h/', '/v2.1/', 'servers'), 'http://h/v2.1/servers');
  assert.equal(urlJoin('http://h', 'v2', ''), 'http://h/v2/');
  assert.equal(urlJoin('http://h', 'v2', '/v3/x'), 'http://h/v2/v3/x');
});

test('applyLinkPrefix swaps scheme and host and prepends the prefix path', () => {
  assert.equal(applyLinkPrefix('http://10.0.0.5:8774/v2.1', 'https://cloud.example.com/compute'), 'https://cloud.example.com/compute/v2.1');
  assert.equal(applyLinkPrefix('http://10.0.0.5:8774', 'https://cloud.example.com'), 'https://cloud.example.com');
  assert.equal(applyLinkPrefix('http://10.0.0.5:8774/v2.1', null), 'http://10.0.0.5:8774/v2.1');
});
