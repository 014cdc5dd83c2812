import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInput } from '../../../src/common/errors.js';
import { InvalidCidr } from '../../../src/common/network-errors.js';
import { InvalidIpProtocol, InvalidPortRange } from '../../../src/common/security-group-errors.js';
import { parseRule, sameRule, validCidr } from '../../../src/compute/security-group-rules.js';

test('a CIDR rule keeps protocol (lower-cased), ports and range; without a range it admits 0.0.0.0/0', () => {
  assert.deepEqual(parseRule({ ip_protocol: 'TCP', from_port: '22', to_port: 22, cidr: '10.0.0.0/8' }), {
    protocol: 'tcp',
    from_port: 22,
    to_port: 22,
    cidr: '10.0.0.0/8',
    group_id: null,
  });
  assert.equal(parseRule({ ip_protocol: 'udp', from_port: 53, to_port: 53 }).cidr, '0.0.0.0/0');
});

test('ICMP carries type and code, -1 for any, each within -1..255', () => {
  assert.deepEqual(parseRule({ ip_protocol: 'icmp', from_port: -1, to_port: -1 }).from_port, -1);
  assert.deepEqual(parseRule({ ip_protocol: 'icmp', from_port: 8, to_port: 0 }).to_port, 0);
  assert.throws(() => parseRule({ ip_protocol: 'icmp', from_port: 256, to_port: 0 }), InvalidPortRange);
  assert.throws(() => parseRule({ ip_protocol: 'icmp', from_port: 'x', to_port: 0 }), /Type and Code must be integers/);
});

test('tcp and udp ports must be integers within 1..65535, the first not above the last', () => {
  assert.throws(() => parseRule({ ip_protocol: 'tcp', from_port: 0, to_port: 10 }), /between 1-65535/);
  assert.throws(() => parseRule({ ip_protocol: 'udp', from_port: 1, to_port: 65536 }), /between 1-65535/);
  assert.throws(() => parseRule({ ip_protocol: 'tcp', from_port: 20, to_port: 10 }), /Former value cannot be greater/);
  assert.throws(() => parseRule({ ip_protocol: 'tcp', from_port: '1.5', to_port: 10 }), /must be integers/);
  assert.throws(() => parseRule({ ip_protocol: 'gre', from_port: 1, to_port: 10 }), InvalidIpProtocol);
});

test('a source-group rule may leave protocol and ports out; a CIDR rule may not', () => {
  assert.deepEqual(parseRule({ group_id: 7 }), { protocol: null, from_port: null, to_port: null, cidr: null, group_id: 7 });
  assert.throws(() => parseRule({ cidr: '10.0.0.0/8' }), InvalidInput);
  assert.throws(() => parseRule({ group_id: 7, ip_protocol: 'tcp' }), /Not enough parameters/);
});

test('a CIDR must be a network with a prefix, /0 only for the zero network', () => {
  assert.equal(validCidr('0.0.0.0/0'), '0.0.0.0/0');
  assert.equal(validCidr('::/0'), '::/0');
  for (const bad of ['10.0.0.0/33', '10.1.2.3/0', '10.0.0.1', 'banana', 5]) assert.throws(() => validCidr(bad), InvalidCidr, String(bad));
});

test('two rules are the same when protocol (any case), ports, range and source group match', () => {
  const parsed = parseRule({ ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' });
  assert.ok(sameRule({ protocol: 'TCP', from_port: 22, to_port: 22, cidr: '10.0.0.0/8', group_id: null }, parsed));
  assert.ok(!sameRule({ protocol: 'tcp', from_port: 22, to_port: 23, cidr: '10.0.0.0/8', group_id: null }, parsed));
});
