import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addressAt,
  addressIn,
  cidrContains,
  formatCidr,
  netmaskOf,
  normaliseIp,
  parseCidr,
  subnetsOf,
} from '../../../src/common/ipaddr.js';
import { ipv6Address } from '../../../src/network/nw-info.js';

const cidr = (text: string) => {
  const c = parseCidr(text);
  assert.ok(c, text);
  return c;
};

test('parseCidr clears host bits and rejects malformed ranges', () => {
  assert.equal(formatCidr(cidr('10.0.0.77/24')), '10.0.0.0/24');
  assert.equal(formatCidr(cidr('fd00:0:0:0::1/48')), 'fd00::/48');
  for (const bad of ['10.0.0.0/33', '10.0.0/24', 'fd00::/129', '10.0.0.0/24/1', 'x/8']) assert.equal(parseCidr(bad), null, bad);
});

test('addresses, netmask and broadcast of a block', () => {
  const c = cidr('192.168.4.0/22');
  assert.equal(addressAt(c, 1), '192.168.4.1');
  assert.equal(addressAt(c, -1), '192.168.7.255');
  assert.equal(netmaskOf(c), '255.255.252.0');
  assert.ok(addressIn(c, '192.168.6.9'));
  assert.ok(!addressIn(c, '192.168.8.0'));
});

test('subnetsOf cuts a block into equal subnets in address order', () => {
  assert.deepEqual(subnetsOf(cidr('10.0.0.0/24'), 26, 3).map(formatCidr), ['10.0.0.0/26', '10.0.0.64/26', '10.0.0.128/26']);
  assert.deepEqual(subnetsOf(cidr('fd00::/48'), 64, 2).map(formatCidr), ['fd00::/64', 'fd00:0:0:1::/64']);
  assert.ok(cidrContains(cidr('10.0.0.0/8'), cidr('10.3.0.0/16')));
  assert.ok(!cidrContains(cidr('10.3.0.0/16'), cidr('10.0.0.0/8')));
});

test('IPv6 text is printed in its shortest form', () => {
  assert.equal(normaliseIp('2001:0db8:0000:0000:0000:ff00:0042:8329'), '2001:db8::ff00:42:8329');
  assert.equal(normaliseIp('1:0:0:1:0:0:0:1'), '1:0:0:1::1');
  assert.equal(normaliseIp('::'), '::');
  assert.equal(normaliseIp('300.1.1.1'), null);
});

test('rfc2462 derives the EUI-64 address of a MAC', () => {
  assert.equal(ipv6Address('fd00:1::/64', '02:16:3e:33:44:55', 'rfc2462', null), 'fd00:1::16:3eff:fe33:4455');
  assert.equal(ipv6Address('2001:db8::/64', 'fa:16:3e:00:00:01', 'rfc2462', null), '2001:db8::f816:3eff:fe00:1');
});
