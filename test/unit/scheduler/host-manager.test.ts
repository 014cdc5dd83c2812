import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerHostFilterNotFound } from '../../../src/scheduler/errors.js';
import { HostManager } from '../../../src/scheduler/host-manager.js';
import { defaultSchedulerSettings } from '../../../src/scheduler/opts.js';
import { computeNode, flavor, hostState, NOW, props, requestSpec, service } from './fixtures.js';

const manager = (over = {}) => new HostManager(defaultSchedulerSettings(over), { now: () => NOW });

describe('HostManager.getAllHostStates', () => {
  it('builds one state per (host, node), with the capabilities the node reported', () => {
    const m = manager();
    m.updateServiceCapabilities('compute', 'h1', [{ hypervisor_hostname: 'n1', host_ip: '10.0.0.1' }, null]);
    m.updateServiceCapabilities('network', 'h1', { hypervisor_hostname: 'n1', host_ip: 'ignored' });
    const states = m.getAllHostStates([
      {
        compute: computeNode({ hypervisor_hostname: 'n1' }),
        service: service({ host: 'h1' }),
        aggregate_metadata: { availability_zone: ['az1'] },
      },
      { compute: computeNode({ hypervisor_hostname: 'n2' }), service: service({ host: 'h1' }) },
    ]);
    assert.deepEqual(
      states.map((s) => [s.host, s.nodename]),
      [
        ['h1', 'n1'],
        ['h1', 'n2'],
      ],
    );
    assert.equal(states[0]?.capabilities.host_ip, '10.0.0.1');
    assert.ok(states[0]?.capabilities.timestamp instanceof Date);
    assert.deepEqual(states[0]?.aggregate_metadata, { availability_zone: ['az1'] });
  });

  it('skips nodes without a service, keeps state objects between calls and drops vanished nodes', () => {
    const m = manager();
    const first = m.getAllHostStates([
      { compute: computeNode({ hypervisor_hostname: 'n1' }), service: service({ host: 'h1' }) },
      { compute: computeNode({ hypervisor_hostname: 'n2' }), service: service({ host: 'h2' }) },
      { compute: computeNode({ hypervisor_hostname: 'orphan' }), service: null },
    ]);
    assert.equal(first.length, 2);
    first[0]?.consumeFromInstance({ memory_mb: 1000, vcpus: 1, root_gb: 0, ephemeral_gb: 0 }, NOW);
    const second = m.getAllHostStates([{ compute: computeNode({ hypervisor_hostname: 'n1' }), service: service({ host: 'h1' }) }]);
    assert.equal(second.length, 1);
    assert.equal(second[0], first[0], 'the same object is reused');
    assert.equal(second[0]?.free_ram_mb, 8192 - 1000, 'the consumption survives an older report');
  });

  it('refuses to start with an unknown default filter', () => {
    assert.throws(() => manager({ scheduler_default_filters: ['RamFilter', 'NoSuchFilter'] }), SchedulerHostFilterNotFound);
  });
});

describe('HostManager.getFilteredHosts', () => {
  const hosts = () => [
    hostState({ host: 'h1', compute: { free_ram_mb: 0, memory_mb: 1024 } }),
    hostState({ host: 'h2' }),
    hostState({ host: 'h3' }),
  ];
  const big = props({}, requestSpec({}, flavor({ memory_mb: 4096 })));

  it('applies the default filters', async () => {
    const kept = await manager().getFilteredHosts(hosts(), big);
    assert.deepEqual(
      kept.map((h) => h.host),
      ['h2', 'h3'],
    );
  });
  it('applies the filters a caller names', async () => {
    const kept = await manager().getFilteredHosts(hosts(), big, ['AllHostsFilter']);
    assert.equal(kept.length, 3);
  });
  it('drops ignore_hosts before filtering', async () => {
    const kept = await manager().getFilteredHosts(hosts(), { ...big, ignore_hosts: ['h2'] });
    assert.deepEqual(
      kept.map((h) => h.host),
      ['h3'],
    );
  });
  it('returns forced hosts without filtering them', async () => {
    const kept = await manager().getFilteredHosts(hosts(), { ...big, force_hosts: ['h1'] });
    assert.deepEqual(
      kept.map((h) => h.host),
      ['h1'],
    );
  });
  it('finds nothing when the forced host is unknown or ignored', async () => {
    assert.deepEqual(await manager().getFilteredHosts(hosts(), { ...big, force_hosts: ['h9'] }), []);
    assert.deepEqual(await manager().getFilteredHosts(hosts(), { ...big, ignore_hosts: ['h1', 'h2', 'h3'] }), []);
  });
});
