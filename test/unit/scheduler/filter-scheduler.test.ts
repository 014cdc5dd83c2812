import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoValidHost } from '../../../src/common/errors.js';
import { SchedulerConfigError } from '../../../src/scheduler/errors.js';
import { FilterScheduler, isPlacement, type Placement } from '../../../src/scheduler/filter-scheduler.js';
import { HostManager } from '../../../src/scheduler/host-manager.js';
import { defaultSchedulerSettings, type SchedulerSettings } from '../../../src/scheduler/opts.js';
import type { FilterProperties } from '../../../src/scheduler/types.js';
import { flavor, hostState, NOW, requestSpec } from './fixtures.js';

function scheduler(over: Partial<SchedulerSettings> = {}, random = () => 0) {
  return new FilterScheduler(new HostManager(defaultSchedulerSettings(over), { now: () => NOW }), { random, now: () => NOW });
}

function twoHosts() {
  return [
    hostState({ host: 'h1', node: 'n1', compute: { memory_mb: 2048, free_ram_mb: 2048 } }),
    hostState({ host: 'h2', node: 'n2', compute: { memory_mb: 4096, free_ram_mb: 3072 } }),
  ];
}

const spec1024 = (uuids: string[]) => requestSpec({ instance_uuids: uuids }, flavor({ memory_mb: 1024 }));

describe('FilterScheduler.scheduleRunInstance', () => {
  it('spreads the instances of one request by free RAM, charging each chosen host', async () => {
    const results = await scheduler().scheduleRunInstance(spec1024(['a', 'b', 'c']), {}, twoHosts());
    assert.ok(results.every(isPlacement));
    // h2 3072 → 2048 (tie with h1 keeps h1's order) → h1 2048 → 1024 ...
    assert.deepEqual(
      (results as Placement[]).map((p) => [p.instance_uuid, p.launch_index, p.host, p.nodename]),
      [
        ['a', 0, 'h2', 'n2'],
        ['b', 1, 'h1', 'n1'],
        ['c', 2, 'h2', 'n2'],
      ],
    );
  });

  it('stacks the instances on the fullest host with a negative ram_weight_multiplier', async () => {
    const results = (await scheduler({ ram_weight_multiplier: -1 }).scheduleRunInstance(
      spec1024(['a', 'b']),
      {},
      twoHosts(),
    )) as Placement[];
    assert.deepEqual(
      results.map((p) => p.host),
      ['h1', 'h1'],
    );
  });

  it('never places beyond a host capacity and fails only the instances left over', async () => {
    const hosts = [hostState({ host: 'h1', compute: { memory_mb: 2048, free_ram_mb: 2048 } })];
    const results = await scheduler({ ram_allocation_ratio: 1.0 }).scheduleRunInstance(spec1024(['a', 'b', 'c']), {}, hosts);
    assert.deepEqual(
      results.map((r) => (isPlacement(r) ? r.host : r.error.message)),
      ['h1', 'h1', 'No valid host was found. '],
    );
    assert.equal(hosts[0]?.free_ram_mb, 0);
  });

  it('hands each instance its own request: uuid, launch_index, limits and the retry entry of its host', async () => {
    const props: FilterProperties = { scheduler_hints: {}, instance_hosts: { x: 'h1' } };
    const [first, second] = (await scheduler().scheduleRunInstance(spec1024(['a', 'b']), props, twoHosts())) as Placement[];
    assert.deepEqual(first?.request_spec.instance_uuids, ['a']);
    assert.equal(second?.request_spec.instance_properties.launch_index, 1);
    assert.deepEqual(first?.filter_properties.retry, { num_attempts: 1, hosts: [['h2', 'n2']] });
    assert.deepEqual(second?.filter_properties.retry, { num_attempts: 1, hosts: [['h1', 'n1']] });
    assert.deepEqual(first?.limits, { memory_mb: 4096 * 1.5 });
    assert.deepEqual(first?.filter_properties.limits, { memory_mb: 4096 * 1.5 });
    assert.equal(first?.filter_properties.instance_hosts, undefined, 'resolved lookups stay in the scheduler');
    assert.equal(first?.filter_properties.request_spec?.instance_uuids?.[0], 'a');
  });

  it('raises NoValidHost with an empty reason for every instance when no host passes', async () => {
    const results = await scheduler().scheduleRunInstance(
      requestSpec({ instance_uuids: ['a'] }, flavor({ memory_mb: 100_000 })),
      {},
      twoHosts(),
    );
    const [only] = results;
    assert.ok(only && !isPlacement(only));
    assert.ok(only.error instanceof NoValidHost);
    assert.equal(only.error.message, 'No valid host was found. ');
  });

  it('excludes the hosts a re-scheduled request already failed on', async () => {
    const props: FilterProperties = { retry: { num_attempts: 1, hosts: [['h2', 'n2']], exc: 'Traceback ...' } };
    const [p] = (await scheduler().scheduleRunInstance(spec1024(['a']), props, twoHosts())) as Placement[];
    assert.equal(p?.host, 'h1');
    assert.deepEqual(p?.filter_properties.retry, {
      num_attempts: 2,
      hosts: [
        ['h2', 'n2'],
        ['h1', 'n1'],
      ],
    });
  });

  it('gives up after scheduler_max_attempts', async () => {
    const props: FilterProperties = { retry: { num_attempts: 3, hosts: [['h2', 'n2']] } };
    await assert.rejects(
      scheduler().scheduleRunInstance(spec1024(['uuid-1']), props, twoHosts()),
      (err: unknown) =>
        err instanceof NoValidHost && err.message === 'No valid host was found. Exceeded max scheduling attempts 3 for instance uuid-1',
    );
  });

  it('disables retry bookkeeping with scheduler_max_attempts = 1', async () => {
    const props: FilterProperties = { retry: { num_attempts: 5, hosts: [['h2', 'n2']] } };
    const [p] = (await scheduler({ scheduler_max_attempts: 1 }).scheduleRunInstance(spec1024(['a']), props, twoHosts())) as Placement[];
    assert.equal(p?.host, 'h2', 'the old retry list no longer excludes anything');
    assert.equal(p?.filter_properties.retry, undefined);
  });

  it('refuses to schedule with scheduler_max_attempts below 1', async () => {
    await assert.rejects(
      scheduler({ scheduler_max_attempts: 0 }).scheduleRunInstance(spec1024(['a']), {}, twoHosts()),
      SchedulerConfigError,
    );
  });

  it('picks among the best scheduler_host_subset_size hosts', async () => {
    const hosts = () => [
      hostState({ host: 'a', compute: { free_ram_mb: 1000 } }),
      hostState({ host: 'b', compute: { free_ram_mb: 3000 } }),
      hostState({ host: 'c', compute: { free_ram_mb: 2000 } }),
    ];
    const pick = async (size: number, r: number) => {
      const [p] = (await scheduler({ scheduler_host_subset_size: size }, () => r).scheduleRunInstance(
        spec1024(['x']),
        {},
        hosts(),
      )) as Placement[];
      return p?.host;
    };
    assert.equal(await pick(2, 0.99), 'c');
    assert.equal(await pick(2, 0), 'b');
    assert.equal(await pick(0, 0.99), 'b', 'sizes below 1 count as 1');
    assert.equal(await pick(10, 0.99), 'a', 'sizes above the host count are clipped');
  });

  it('keeps a group of instances apart with the group hint and GroupAntiAffinityFilter', async () => {
    const s = scheduler({ scheduler_default_filters: ['RamFilter', 'GroupAntiAffinityFilter'] });
    const hosts = [hostState({ host: 'h1' }), hostState({ host: 'h2' }), hostState({ host: 'h3' })];
    const props: FilterProperties = { scheduler_hints: { group: 'web' }, group_hosts: ['h3'] };
    const results = await s.scheduleRunInstance(spec1024(['a', 'b', 'c']), props, hosts);
    assert.deepEqual(
      results.map((r) => (isPlacement(r) ? [r.host, r.group] : 'none')),
      [['h1', 'web'], ['h2', 'web'], 'none'],
    );
  });

  it('keeps the instances of an affinity group together, on the host of its first member', async () => {
    const s = scheduler({ scheduler_default_filters: ['RamFilter', 'GroupAntiAffinityFilter', 'GroupAffinityFilter'] });
    const hosts = [hostState({ host: 'h1' }), hostState({ host: 'h2' })];
    const props: FilterProperties = { scheduler_hints: { group: 'g-uuid' }, group_hosts: [], group_policies: ['affinity'] };
    const results = (await s.scheduleRunInstance(spec1024(['a', 'b', 'c']), props, hosts)) as Placement[];
    assert.equal(new Set(results.map((r) => r.host)).size, 1);
  });

  it('sends every instance to a forced host without filtering', async () => {
    const results = (await scheduler().scheduleRunInstance(spec1024(['a', 'b']), { force_hosts: ['h1'] }, twoHosts())) as Placement[];
    assert.deepEqual(
      results.map((p) => p.host),
      ['h1', 'h1'],
    );
  });

  it('falls back to num_instances when the request names no uuids', async () => {
    const results = await scheduler().scheduleRunInstance(requestSpec({ num_instances: 2 }, flavor({ memory_mb: 1024 })), {}, twoHosts());
    assert.deepEqual(
      results.map((r) => r.instance_uuid),
      [null, null],
    );
  });

  it('puts the scheduling inputs into filter_properties', async () => {
    const props: FilterProperties = {};
    await scheduler().scheduleRunInstance(spec1024(['a']), props, twoHosts());
    assert.equal(props.project_id, 'p1');
    assert.equal(props.os_type, 'linux');
    assert.equal(props.instance_type?.memory_mb, 1024);
    assert.deepEqual(props.config_options, {});
    assert.deepEqual(props.retry?.hosts, [], 'the shared retry list is reset after each instance');
  });
});

describe('FilterScheduler.schedulePrepResize and selectHosts', () => {
  it('chooses the best destination and records it for a retry', async () => {
    const spec = requestSpec({}, flavor({ memory_mb: 1024 }));
    spec.instance_properties.uuid = 'inst-1';
    const p = await scheduler().schedulePrepResize(spec, { ignore_hosts: ['h2'] }, twoHosts());
    assert.equal(p.host, 'h1');
    assert.equal(p.instance_uuid, 'inst-1');
    assert.deepEqual(p.filter_properties.retry?.hosts, [['h1', 'n1']]);
  });
  it('raises NoValidHost when nothing fits', async () => {
    await assert.rejects(scheduler().schedulePrepResize(requestSpec({}, flavor({ memory_mb: 100_000 })), {}, twoHosts()), NoValidHost);
    await assert.rejects(
      scheduler().selectHosts(requestSpec({ instance_uuids: ['a'] }, flavor({ memory_mb: 100_000 })), {}, twoHosts()),
      NoValidHost,
    );
  });
  it('selectHosts returns one host name per instance', async () => {
    assert.deepEqual(await scheduler().selectHosts(spec1024(['a', 'b']), {}, twoHosts()), ['h2', 'h1']);
  });
});
