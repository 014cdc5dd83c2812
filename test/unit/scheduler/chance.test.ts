import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoValidHost } from '../../../src/common/errors.js';
import { ChanceScheduler } from '../../../src/scheduler/chance.js';
import { NOW, requestSpec, service } from './fixtures.js';

const services = [
  service({ id: 1, host: 'up1' }),
  service({ id: 2, host: 'up2' }),
  service({ id: 3, host: 'down', updated_at: new Date(NOW.getTime() - 120_000) }),
  service({ id: 4, host: 'disabled', disabled: true }),
];

describe('ChanceScheduler', () => {
  it('considers only enabled services that heartbeat', () => {
    assert.deepEqual(new ChanceScheduler(60, { now: () => NOW }).hostsUp(services), ['up1', 'up2']);
  });
  it('picks uniformly among the live hosts', () => {
    const pick = (r: number) => new ChanceScheduler(60, { now: () => NOW, random: () => r }).selectHost(services, {});
    assert.equal(pick(0), 'up1');
    assert.equal(pick(0.49), 'up1');
    assert.equal(pick(0.5), 'up2');
    assert.equal(pick(0.999), 'up2');
  });
  it('leaves out ignore_hosts', () => {
    const s = new ChanceScheduler(60, { now: () => NOW, random: () => 0 });
    assert.equal(s.selectHost(services, { ignore_hosts: ['up1'] }), 'up2');
  });
  it("says 'Is the appropriate service running?' when no host is up", () => {
    const s = new ChanceScheduler(60, { now: () => NOW });
    assert.throws(
      () =>
        s.selectHost(
          [services[2], services[3]].filter((x) => x !== undefined),
          {},
        ),
      (err: unknown) => err instanceof NoValidHost && err.message === 'No valid host was found. Is the appropriate service running?',
    );
  });
  it("says 'Could not find another compute' when every live host is ignored", () => {
    const s = new ChanceScheduler(60, { now: () => NOW });
    assert.throws(
      () => s.selectHost(services, { ignore_hosts: ['up1', 'up2'] }),
      /No valid host was found\. Could not find another compute/,
    );
  });
  it('selectHosts returns one host per instance uuid', () => {
    const s = new ChanceScheduler(60, { now: () => NOW, random: () => 0.7 });
    assert.deepEqual(s.selectHosts(services, requestSpec({ instance_uuids: ['a', 'b', 'c'] }), {}), ['up2', 'up2', 'up2']);
    assert.throws(() => s.selectHosts(services, requestSpec({ instance_uuids: [] }), {}), NoValidHost);
  });
});
