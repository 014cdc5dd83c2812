import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalIpv6 } from '../../../src/api/openstack/compute/servers.js';

describe('canonicalIpv6', () => {
  it('shortens an access IPv6 address the way Nova stores it', () => {
    assert.equal(canonicalIpv6('0000:0000:0000:0000:0000:babe:220.12.22.2'), '::babe:dc0c:1602');
    assert.equal(canonicalIpv6('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  });
});
