import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComputeCapabilitiesFilter } from '../../../../src/scheduler/filters/compute-capabilities-filter.js';
import { ComputeFilter } from '../../../../src/scheduler/filters/compute-filter.js';
import { matchesRequirement } from '../../../../src/scheduler/filters/extra-specs-ops.js';
import { ImagePropertiesFilter } from '../../../../src/scheduler/filters/image-props-filter.js';
import { flavor, hostState, NOW, props, requestSpec } from '../fixtures.js';

describe('ComputeFilter', () => {
  const filter = new ComputeFilter(60, () => NOW);
  it('passes an enabled host whose service heartbeats', () => {
    assert.equal(filter.hostPasses(hostState()), true);
  });
  it('rejects a host whose service missed service_down_time', () => {
    assert.equal(filter.hostPasses(hostState({ service: { updated_at: new Date(NOW.getTime() - 61_000) } })), false);
  });
  it('rejects a disabled service', () => {
    assert.equal(filter.hostPasses(hostState({ service: { disabled: true } })), false);
  });
  it('rejects a host that reports itself disabled, and treats a missing flag as enabled', () => {
    assert.equal(filter.hostPasses(hostState({ capabilities: { enabled: false } })), false);
    assert.equal(filter.hostPasses(hostState({ capabilities: { enabled: true } })), true);
  });
});

describe('extra_specs matching', () => {
  it('compares plain requirements as text', () => {
    assert.equal(matchesRequirement('QEMU', 'QEMU'), true);
    assert.equal(matchesRequirement('KVM', 'QEMU'), false);
    assert.equal(matchesRequirement(4, '4'), true);
  });
  it('treats = as "at least" and the other numeric operators literally', () => {
    assert.equal(matchesRequirement('8', '= 4'), true);
    assert.equal(matchesRequirement('2', '= 4'), false);
    assert.equal(matchesRequirement(4, '== 4.0'), true);
    assert.equal(matchesRequirement(4, '!= 4'), false);
    assert.equal(matchesRequirement(4, '>= 5'), false);
    assert.equal(matchesRequirement(4, '<= 5'), true);
    assert.equal(matchesRequirement('abc', '>= 5'), false, 'a non-numeric value never matches a numeric operator');
  });
  it('supports string operators, <in> and <or>', () => {
    assert.equal(matchesRequirement('x86_64', 's== x86_64'), true);
    assert.equal(matchesRequirement('b', 's> a'), true);
    assert.equal(matchesRequirement('b', 's< a'), false);
    assert.equal(matchesRequirement('sse4 avx', '<in> avx'), true);
    assert.equal(matchesRequirement(['sse4', 'vmx'], '<in> vmx'), true);
    assert.equal(matchesRequirement('v2', '<or> v1 <or> v2 <or> v3'), true);
    assert.equal(matchesRequirement('v4', '<or> v1 <or> v2'), false);
  });
  it('never matches a missing value', () => {
    assert.equal(matchesRequirement(null, '= 1'), false);
    assert.equal(matchesRequirement(undefined, 'x'), false);
  });
});

describe('ComputeCapabilitiesFilter', () => {
  const filter = new ComputeCapabilitiesFilter();
  const specs = (extra_specs: Record<string, string>) => props({}, requestSpec({}, flavor({ extra_specs })));
  const h = hostState({ capabilities: { hypervisor_type: 'QEMU', vcpus: 8, cpu_info: { features: ['vmx'], arch: 'x86_64' } } });

  it('passes without extra_specs', () => {
    assert.equal(filter.hostPasses(h, specs({})), true);
  });
  it('matches unscoped and capabilities: scoped keys, walking nested capabilities', () => {
    assert.equal(
      filter.hostPasses(h, specs({ hypervisor_type: 'QEMU', 'capabilities:vcpus': '>= 4', 'capabilities:cpu_info:arch': 'x86_64' })),
      true,
    );
    assert.equal(filter.hostPasses(h, specs({ 'capabilities:cpu_info:arch': 'ppc64' })), false);
    assert.equal(filter.hostPasses(h, specs({ 'capabilities:vcpus': '>= 16' })), false);
  });
  it('ignores keys of other scopes', () => {
    assert.equal(filter.hostPasses(h, specs({ 'trust:trusted_host': 'trusted', 'quota:cpu_shares': '10' })), true);
  });
  it('rejects a requirement on a capability the host does not report', () => {
    assert.equal(filter.hostPasses(h, specs({ gpu: 'yes' })), false);
    assert.equal(filter.hostPasses(h, specs({ 'capabilities:hypervisor_type:sub': 'x' })), false);
  });
});

describe('ImagePropertiesFilter', () => {
  const filter = new ImagePropertiesFilter();
  const image = (properties: Record<string, unknown>) => props({}, requestSpec({ image: { properties } }));
  const h = hostState({
    capabilities: {
      supported_instances: [
        ['x86_64', 'qemu', 'hvm'],
        ['i686', 'qemu', 'hvm'],
      ],
    },
  });

  it('passes an image that asks for nothing', () => {
    assert.equal(filter.hostPasses(hostState(), image({ os_distro: 'debian' })), true);
  });
  it('passes when one advertised entry covers every requested value', () => {
    assert.equal(filter.hostPasses(h, image({ architecture: 'i686', vm_mode: 'hvm' })), true);
  });
  it('rejects values no entry covers together', () => {
    assert.equal(filter.hostPasses(h, image({ architecture: 'arm', hypervisor_type: 'qemu' })), false);
    assert.equal(filter.hostPasses(h, image({ hypervisor_type: 'xen' })), false);
  });
  it('rejects a requesting image on a host that advertises nothing', () => {
    assert.equal(filter.hostPasses(hostState(), image({ architecture: 'x86_64' })), false);
  });
});
