import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { affinityInstanceUuids } from '../../../../src/scheduler/filters/affinity-filters.js';
import { AggregateInstanceExtraSpecsFilter } from '../../../../src/scheduler/filters/aggregate-instance-extra-specs-filter.js';
import { AggregateMultiTenancyIsolation } from '../../../../src/scheduler/filters/aggregate-multitenancy-isolation.js';
import { AggregateTypeAffinityFilter } from '../../../../src/scheduler/filters/aggregate-type-affinity-filter.js';
import { AllHostsFilter } from '../../../../src/scheduler/filters/all-hosts-filter.js';
import { AvailabilityZoneFilter } from '../../../../src/scheduler/filters/availability-zone-filter.js';
import { DifferentHostFilter } from '../../../../src/scheduler/filters/different-host-filter.js';
import { GroupAffinityFilter } from '../../../../src/scheduler/filters/group-affinity-filter.js';
import { GroupAntiAffinityFilter } from '../../../../src/scheduler/filters/group-anti-affinity-filter.js';
import { IsolatedHostsFilter } from '../../../../src/scheduler/filters/isolated-hosts-filter.js';
import { RetryFilter } from '../../../../src/scheduler/filters/retry-filter.js';
import { SameHostFilter } from '../../../../src/scheduler/filters/same-host-filter.js';
import { SimpleCIDRAffinityFilter } from '../../../../src/scheduler/filters/simple-cidr-affinity-filter.js';
import { TypeAffinityFilter } from '../../../../src/scheduler/filters/type-affinity-filter.js';
import { flavor, hostState, props, requestSpec } from '../fixtures.js';

describe('AllHostsFilter', () => {
  it('passes every host', () => {
    assert.equal(new AllHostsFilter().hostPasses(), true);
  });
});

describe('RetryFilter', () => {
  const h = hostState({ host: 'h1', node: 'n1' });
  it('passes when re-scheduling is off', () => {
    assert.equal(new RetryFilter().hostPasses(h, props()), true);
  });
  it('rejects a (host, node) already tried and passes another node of the same host', () => {
    const p = props({ retry: { num_attempts: 2, hosts: [['h1', 'n1']] } });
    assert.equal(new RetryFilter().hostPasses(h, p), false);
    assert.equal(new RetryFilter().hostPasses(hostState({ host: 'h1', node: 'n2' }), p), true);
  });
});

describe('AvailabilityZoneFilter', () => {
  const filter = new AvailabilityZoneFilter('nova');
  const inZone = (availability_zone: string | null) => {
    const spec = requestSpec();
    spec.instance_properties.availability_zone = availability_zone;
    return props({}, spec);
  };
  it('passes any host when no zone is requested', () => {
    assert.equal(filter.hostPasses(hostState({ aggregate_metadata: { availability_zone: ['az1'] } }), inZone(null)), true);
  });
  it("matches the zones of the host's aggregates", () => {
    const h = hostState({ aggregate_metadata: { availability_zone: ['az1', 'az2'] } });
    assert.equal(filter.hostPasses(h, inZone('az2')), true);
    assert.equal(filter.hostPasses(h, inZone('nova')), false);
  });
  it('places a host in no zone aggregate in default_availability_zone', () => {
    assert.equal(filter.hostPasses(hostState(), inZone('nova')), true);
    assert.equal(filter.hostPasses(hostState(), inZone('az1')), false);
  });
});

describe('IsolatedHostsFilter', () => {
  const filter = new IsolatedHostsFilter(['isolated-img'], ['iso-host']);
  const image = (image_ref: string) => {
    const spec = requestSpec();
    spec.instance_properties.image_ref = image_ref;
    return props({}, spec);
  };
  it('runs isolated images only on isolated hosts and other images only elsewhere', () => {
    assert.equal(filter.hostPasses(hostState({ host: 'iso-host' }), image('isolated-img')), true);
    assert.equal(filter.hostPasses(hostState({ host: 'other' }), image('isolated-img')), false);
    assert.equal(filter.hostPasses(hostState({ host: 'iso-host' }), image('plain-img')), false);
    assert.equal(filter.hostPasses(hostState({ host: 'other' }), image('plain-img')), true);
  });
});

describe('SameHostFilter and DifferentHostFilter', () => {
  const h1 = hostState({ host: 'h1' });
  const h2 = hostState({ host: 'h2' });
  const instance_hosts = { 'uuid-a': 'h1', 'uuid-b': null };

  it('lists the instances whose hosts the caller must resolve', () => {
    assert.deepEqual(affinityInstanceUuids({ same_host: 'uuid-a', different_host: ['uuid-a', 'uuid-b'] }), ['uuid-a', 'uuid-b']);
    assert.deepEqual(affinityInstanceUuids(null), []);
  });
  it('SameHostFilter keeps only hosts holding one of the instances', () => {
    const p = props({ scheduler_hints: { same_host: ['uuid-a', 'uuid-b'] }, instance_hosts });
    assert.equal(new SameHostFilter().hostPasses(h1, p), true);
    assert.equal(new SameHostFilter().hostPasses(h2, p), false);
  });
  it('SameHostFilter accepts a single uuid and passes without the hint', () => {
    assert.equal(new SameHostFilter().hostPasses(h1, props({ scheduler_hints: { same_host: 'uuid-a' }, instance_hosts })), true);
    assert.equal(new SameHostFilter().hostPasses(h2, props()), true);
  });
  it('DifferentHostFilter rejects hosts holding any of the instances', () => {
    const p = props({ scheduler_hints: { different_host: 'uuid-a' }, instance_hosts });
    assert.equal(new DifferentHostFilter().hostPasses(h1, p), false);
    assert.equal(new DifferentHostFilter().hostPasses(h2, p), true);
  });
  it('ignores instances that no longer exist', () => {
    const p = props({ scheduler_hints: { different_host: 'uuid-gone' }, instance_hosts: {} });
    assert.equal(new DifferentHostFilter().hostPasses(h1, p), true);
    assert.equal(new SameHostFilter().hostPasses(h1, props({ scheduler_hints: { same_host: 'uuid-gone' } })), false);
  });
});

describe('SimpleCIDRAffinityFilter', () => {
  const filter = new SimpleCIDRAffinityFilter();
  const h = hostState({ capabilities: { host_ip: '10.0.1.20' } });
  it('passes without the hint', () => {
    assert.equal(filter.hostPasses(h, props()), true);
  });
  it('uses /24 by default', () => {
    assert.equal(filter.hostPasses(h, props({ scheduler_hints: { build_near_host_ip: '10.0.1.1' } })), true);
    assert.equal(filter.hostPasses(h, props({ scheduler_hints: { build_near_host_ip: '10.0.2.1' } })), false);
  });
  it('honours the cidr hint', () => {
    assert.equal(filter.hostPasses(h, props({ scheduler_hints: { build_near_host_ip: '10.0.2.1', cidr: '/16' } })), true);
  });
  it('rejects a host that does not report its address', () => {
    assert.equal(filter.hostPasses(hostState(), props({ scheduler_hints: { build_near_host_ip: '10.0.1.1' } })), false);
  });
});

describe('GroupAntiAffinityFilter', () => {
  const filter = new GroupAntiAffinityFilter();
  it('rejects hosts already holding a member of an anti-affinity group', () => {
    const p = props({ scheduler_hints: { group: 'g' }, group_hosts: ['h1'], group_policies: ['anti-affinity'] });
    assert.equal(filter.hostPasses(hostState({ host: 'h1' }), p), false);
    assert.equal(filter.hostPasses(hostState({ host: 'h2' }), p), true);
  });
  it('passes every host without a group, or for a group whose policy is affinity', () => {
    assert.equal(filter.hostPasses(hostState({ host: 'h1' }), props()), true);
    const p = props({ scheduler_hints: { group: 'g' }, group_hosts: ['h1'], group_policies: ['affinity'] });
    assert.equal(filter.hostPasses(hostState({ host: 'h2' }), p), true);
  });
  it('passes every host while the group has no member placed yet', () => {
    const p = props({ scheduler_hints: { group: 'g' }, group_hosts: [], group_policies: ['anti-affinity'] });
    assert.equal(filter.hostPasses(hostState({ host: 'h1' }), p), true);
  });
});

describe('GroupAffinityFilter', () => {
  const filter = new GroupAffinityFilter();
  it('keeps an affinity group on the hosts that already hold its members', () => {
    const p = props({ scheduler_hints: { group: 'g' }, group_hosts: ['h1'], group_policies: ['affinity'] });
    assert.equal(filter.hostPasses(hostState({ host: 'h1' }), p), true);
    assert.equal(filter.hostPasses(hostState({ host: 'h2' }), p), false);
  });
  it('passes every host for the first member, without a group, or for an anti-affinity group', () => {
    assert.equal(filter.hostPasses(hostState({ host: 'h2' }), props({ group_hosts: [], group_policies: ['affinity'] })), true);
    assert.equal(filter.hostPasses(hostState({ host: 'h2' }), props()), true);
    assert.equal(filter.hostPasses(hostState({ host: 'h2' }), props({ group_hosts: ['h1'], group_policies: ['anti-affinity'] })), true);
  });
});

describe('AggregateInstanceExtraSpecsFilter', () => {
  const filter = new AggregateInstanceExtraSpecsFilter();
  const specs = (extra_specs: Record<string, string>) => props({}, requestSpec({}, flavor({ extra_specs })));
  const h = hostState({ aggregate_metadata: { ssd: ['true'], speed: ['10', '40'] } });
  it('matches unscoped specs against any value of the aggregate key', () => {
    assert.equal(filter.hostPasses(h, specs({ ssd: 'true', speed: '>= 20' })), true);
    assert.equal(filter.hostPasses(h, specs({ speed: '>= 50' })), false);
  });
  it('rejects a host whose aggregates lack the key', () => {
    assert.equal(filter.hostPasses(hostState(), specs({ ssd: 'true' })), false);
  });
  it('ignores scoped keys', () => {
    assert.equal(filter.hostPasses(hostState(), specs({ 'capabilities:ssd': 'true' })), true);
  });
});

describe('AggregateMultiTenancyIsolation', () => {
  const filter = new AggregateMultiTenancyIsolation();
  it("accepts only the aggregates' tenants on isolated hosts", () => {
    const h = hostState({ aggregate_metadata: { filter_tenant_id: ['p1', 'p9'] } });
    assert.equal(filter.hostPasses(h, props()), true);
    const spec = requestSpec();
    spec.instance_properties.project_id = 'p2';
    assert.equal(filter.hostPasses(h, props({}, spec)), false);
    assert.equal(filter.hostPasses(hostState(), props({}, spec)), true);
  });
});

describe('AggregateTypeAffinityFilter', () => {
  it("accepts only the aggregates' flavor names", () => {
    const h = hostState({ aggregate_metadata: { instance_type: ['m1.small'] } });
    assert.equal(new AggregateTypeAffinityFilter().hostPasses(h, props({}, requestSpec({}, flavor({ name: 'm1.small' })))), true);
    assert.equal(new AggregateTypeAffinityFilter().hostPasses(h, props({}, requestSpec({}, flavor({ name: 'm1.tiny' })))), false);
    assert.equal(new AggregateTypeAffinityFilter().hostPasses(hostState(), props()), true);
  });
});

describe('TypeAffinityFilter', () => {
  it('rejects a host running an instance of another flavor', () => {
    const p = props({}, requestSpec({}, flavor({ id: 2 })));
    assert.equal(new TypeAffinityFilter().hostPasses(hostState({ instance_type_ids: [2, 2] }), p), true);
    assert.equal(new TypeAffinityFilter().hostPasses(hostState({ instance_type_ids: [2, 3] }), p), false);
    assert.equal(new TypeAffinityFilter().hostPasses(hostState({ instance_type_ids: [] }), p), true);
  });
});
