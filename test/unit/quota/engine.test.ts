import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidQuotaValue, OverQuota, QuotaResourceUnknown, TooManyInstances } from '../../../src/common/errors.js';
import { Config } from '../../../src/config/config.js';
import { RequestContext } from '../../../src/context/context.js';
import { QuotaEngine } from '../../../src/quota/engine.js';
import { MemoryQuotaLimitStore, MemoryUsageCounter } from './memory-store.js';

function engine(overrides: Record<string, unknown> = {}) {
  const conf = Config.load({ overrides: { DEFAULT: overrides } });
  const limits = new MemoryQuotaLimitStore();
  const counter = new MemoryUsageCounter();
  return { quota: new QuotaEngine(conf, limits, counter), limits, counter };
}

const ctx = new RequestContext({ userId: 'u1', projectId: 'p1', roles: ['member'] });
const admin = new RequestContext({ userId: 'admin', projectId: 'p0', roles: ['admin'], isAdmin: true });

function addInstances(counter: MemoryUsageCounter, projectId: string, n: number, vcpus = 1, memoryMb = 512): void {
  for (let i = 0; i < n; i++) counter.instances.push({ uuid: `${projectId}-${counter.instances.length}`, projectId, vcpus, memoryMb });
}

async function rejectsWith<T extends Error>(promise: Promise<unknown>, cls: abstract new (...args: never[]) => T): Promise<T> {
  let caught: unknown;
  await promise.catch((err: unknown) => {
    caught = err;
  });
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  return caught as T;
}

describe('QuotaEngine resources and defaults', () => {
  it('returns the configured defaults of every resource, sorted by name', () => {
    const { quota } = engine({ quota_instances: 7 });
    assert.deepEqual(quota.getDefaults(), {
      cores: 20,
      fixed_ips: -1,
      floating_ips: 10,
      injected_file_content_bytes: 10240,
      injected_file_path_bytes: 255,
      injected_files: 5,
      instances: 7,
      key_pairs: 100,
      metadata_items: 128,
      ram: 51200,
      security_group_rules: 20,
      security_groups: 10,
      server_group_members: 10,
      server_groups: 10,
    });
    assert.deepEqual(quota.resourceNames(), [...quota.resourceNames()].sort());
  });

  it('registers networks only when enable_network_quota is set', () => {
    assert.equal(engine().quota.resource('networks'), undefined);
    const { quota } = engine({ enable_network_quota: true, quota_networks: 4 });
    assert.equal(quota.resource('networks')?.kind, 'reservable');
    assert.equal(quota.getDefaults().networks, 4);
  });

  it('classifies resources as reservable, absolute or countable', () => {
    const { quota } = engine();
    assert.equal(quota.resource('instances')?.kind, 'reservable');
    assert.equal(quota.resource('metadata_items')?.kind, 'absolute');
    assert.equal(quota.resource('key_pairs')?.kind, 'countable');
    assert.equal(quota.resource('security_group_rules')?.kind, 'countable');
  });
});

describe('QuotaEngine limit resolution', () => {
  it('prefers the project row over the class row over the config default', async () => {
    const { quota, limits } = engine();
    const classCtx = ctx.with({ quotaClass: 'gold' });
    await limits.setClassLimit('gold', 'instances', 50);
    await limits.setClassLimit('gold', 'cores', 100);
    await limits.setProjectLimit('p1', 'instances', 3);
    const q = await quota.getProjectQuotas(classCtx, 'p1');
    assert.equal(q.instances?.limit, 3);
    assert.equal(q.cores?.limit, 100);
    assert.equal(q.ram?.limit, 51200);
  });

  it("applies the caller's quota class to its own project only", async () => {
    const { quota, limits } = engine();
    await limits.setClassLimit('gold', 'cores', 100);
    const goldAdmin = admin.with({ quotaClass: 'gold' });
    assert.equal((await quota.getProjectQuotas(goldAdmin, 'p1')).cores?.limit, 20);
    assert.equal((await quota.getProjectQuotas(admin, 'p1', { quotaClass: 'gold' })).cores?.limit, 100);
  });

  it('treats -1 and a null hard limit as unlimited', async () => {
    const { quota, limits, counter } = engine();
    await limits.setProjectLimit('p1', 'instances', -1);
    await limits.setProjectLimit('p1', 'cores', null as unknown as number);
    addInstances(counter, 'p1', 500);
    const q = await quota.getProjectQuotas(ctx, 'p1');
    assert.equal(q.instances?.limit, -1);
    assert.equal(q.cores?.limit, -1);
    await quota.checkDeltas(ctx, 'p1', { instances: 100, cores: 100 });
  });

  it('counts usage for getProjectQuotas when asked, with nothing reserved', async () => {
    const { quota, counter } = engine();
    addInstances(counter, 'p1', 2, 2, 1024);
    addInstances(counter, 'p2', 1);
    counter.securityGroups.push({ id: 'g1', projectId: 'p1' });
    counter.floatingIps.push({ projectId: 'p1', autoAssigned: false }, { projectId: 'p1', autoAssigned: true });
    counter.keyPairs.push({ userId: 'u1' });
    const q = await quota.getProjectQuotas(ctx, 'p1', { usages: true });
    assert.deepEqual(q.instances, { limit: 10, in_use: 2, reserved: 0 });
    assert.deepEqual(q.cores, { limit: 20, in_use: 4, reserved: 0 });
    assert.deepEqual(q.ram, { limit: 51200, in_use: 2048, reserved: 0 });
    assert.deepEqual(q.security_groups, { limit: 10, in_use: 1, reserved: 0 });
    assert.deepEqual(q.floating_ips, { limit: 10, in_use: 1, reserved: 0 });
    assert.deepEqual(q.metadata_items, { limit: 128, in_use: 0, reserved: 0 });
    assert.deepEqual(q.key_pairs, { limit: 100, in_use: 0, reserved: 0 }, 'per-user resources have no project usage');
    assert.deepEqual((await quota.getProjectQuotas(ctx, 'p1')).instances, { limit: 10 });
  });

  it('returns class limits over the defaults', async () => {
    const { quota, limits } = engine();
    await quota.updateClassQuota('gold', 'ram', 99999);
    assert.equal((await limits.classLimits('gold')).ram, 99999);
    const q = await quota.getClassQuotas('gold');
    assert.equal(q.ram, 99999);
    assert.equal(q.instances, 10);
  });

  it("forgets a project's limits with destroyAllByProject", async () => {
    const { quota } = engine();
    await quota.updateProjectQuota('p1', 'instances', 2);
    await quota.destroyAllByProject('p1');
    assert.equal((await quota.getProjectQuotas(ctx, 'p1')).instances?.limit, 10);
  });
});

describe('QuotaEngine.updateProjectQuota', () => {
  it('stores a valid limit, including -1', async () => {
    const { quota, limits } = engine();
    await quota.updateProjectQuota('p1', 'cores', 64);
    await quota.updateProjectQuota('p1', 'ram', -1);
    assert.deepEqual(await limits.projectLimits('p1'), { cores: 64, ram: -1 });
  });

  it('rejects an unknown resource with a 400 QuotaResourceUnknown', async () => {
    const { quota } = engine();
    const err = await rejectsWith(quota.updateProjectQuota('p1', 'gpus', 1), QuotaResourceUnknown);
    assert.equal(err.code, 400);
    await rejectsWith(quota.updateProjectQuota('p1', 'networks', 1), QuotaResourceUnknown);
  });

  it('rejects limits below -1 and non-integers with a 400 InvalidQuotaValue', async () => {
    const { quota, limits } = engine();
    const err = await rejectsWith(quota.updateProjectQuota('p1', 'cores', -2), InvalidQuotaValue);
    assert.equal(err.code, 400);
    await rejectsWith(quota.updateProjectQuota('p1', 'cores', 1.5), InvalidQuotaValue);
    assert.deepEqual(await limits.projectLimits('p1'), {});
  });
});

describe('QuotaEngine.limitCheck', () => {
  it('passes values within their limits', async () => {
    const { quota } = engine();
    await quota.limitCheck('p1', { metadata_items: 128, injected_files: 5 });
  });

  it('throws OverQuota naming the resources over, sorted, with their limits', async () => {
    const { quota, limits } = engine();
    await limits.setProjectLimit('p1', 'injected_files', 1);
    const err = await rejectsWith(
      quota.limitCheck('p1', { metadata_items: 129, injected_files: 2, injected_file_path_bytes: 10 }),
      OverQuota,
    );
    assert.deepEqual(err.overs, ['injected_files', 'metadata_items']);
    assert.equal(err.quotas.injected_files, 1);
    assert.equal(err.quotas.metadata_items, 128);
    assert.deepEqual(err.usages, {});
  });

  it('rejects negative values with InvalidQuotaValue', async () => {
    const { quota } = engine();
    await rejectsWith(quota.limitCheck('p1', { metadata_items: -1 }), InvalidQuotaValue);
  });

  it('rejects reservable and unknown resources with QuotaResourceUnknown', async () => {
    const { quota } = engine();
    await rejectsWith(quota.limitCheck('p1', { instances: 1 }), QuotaResourceUnknown);
    await rejectsWith(quota.limitCheck('p1', { widgets: 1 }), QuotaResourceUnknown);
  });

  it('never refuses an unlimited resource, and applies an explicit quota class', async () => {
    const { quota, limits } = engine({ quota_metadata_items: -1 });
    await quota.limitCheck('p1', { metadata_items: 1_000_000 });
    await limits.setClassLimit('tiny', 'key_pairs', 1);
    await rejectsWith(quota.limitCheck('p1', { key_pairs: 2 }, { quotaClass: 'tiny' }), OverQuota);
    await quota.limitCheck('p1', { key_pairs: 2 });
  });
});

describe('QuotaEngine.checkDeltas', () => {
  it('passes while usage plus the delta stays within the limit', async () => {
    const { quota, counter } = engine();
    addInstances(counter, 'p1', 9);
    await quota.checkDeltas(ctx, 'p1', { instances: 1, cores: 1, ram: 512 });
  });

  it('throws OverQuota with the limits and counted usages of every checked resource', async () => {
    const { quota, counter } = engine();
    addInstances(counter, 'p1', 10, 2, 1024);
    const err = await rejectsWith(quota.checkDeltas(ctx, 'p1', { instances: 1, cores: 2, ram: 1024 }), OverQuota);
    assert.deepEqual(err.overs, ['cores', 'instances']);
    assert.deepEqual(err.quotas, { instances: 10, cores: 20, ram: 51200 });
    assert.deepEqual(err.usages, {
      instances: { in_use: 10, reserved: 0 },
      cores: { in_use: 20, reserved: 0 },
      ram: { in_use: 10240, reserved: 0 },
    });
  });

  it('never refuses a negative delta, even for a project already over its limit', async () => {
    const { quota, counter, limits } = engine();
    addInstances(counter, 'p1', 5);
    await limits.setProjectLimit('p1', 'instances', 2);
    await quota.checkDeltas(ctx, 'p1', { instances: -1, cores: -1, ram: -512 });
  });

  it('rejects absolute and unknown resources', async () => {
    const { quota } = engine();
    await rejectsWith(quota.checkDeltas(ctx, 'p1', { metadata_items: 1 }), QuotaResourceUnknown);
    await rejectsWith(quota.checkDeltas(ctx, 'p1', { networks: 1 }), QuotaResourceUnknown);
  });

  it("counts key pairs of the caller's user, or of the user named in the scope", async () => {
    const { quota, counter, limits } = engine();
    await limits.setProjectLimit('p1', 'key_pairs', 2);
    counter.keyPairs.push({ userId: 'u1' }, { userId: 'u1' }, { userId: 'u2' });
    await rejectsWith(quota.checkDeltas(ctx, 'p1', { key_pairs: 1 }), OverQuota);
    await quota.checkDeltas(ctx, 'p1', { key_pairs: 1 }, { userId: 'u2' });
  });

  it('counts rules of the security group in the scope, and insists on one', async () => {
    const { quota, counter } = engine({ quota_security_group_rules: 2 });
    counter.securityGroupRules.push({ groupId: 'g1' }, { groupId: 'g1' }, { groupId: 'g2' });
    await rejectsWith(quota.checkDeltas(ctx, 'p1', { security_group_rules: 1 }, { securityGroupId: 'g1' }), OverQuota);
    await quota.checkDeltas(ctx, 'p1', { security_group_rules: 1 }, { securityGroupId: 'g2' });
    await rejectsWith(quota.checkDeltas(ctx, 'p1', { security_group_rules: 1 }), Error);
  });

  it('leaves out the instance named by excludeInstanceUuid', async () => {
    const { quota, counter } = engine({ quota_cores: 4 });
    counter.instances.push({ uuid: 'big', projectId: 'p1', vcpus: 4, memoryMb: 512 });
    await rejectsWith(quota.checkDeltas(ctx, 'p1', { cores: 4 }), OverQuota);
    await quota.checkDeltas(ctx, 'p1', { cores: 4 }, { excludeInstanceUuid: 'big' });
  });

  it('gives back the quota of soft-deleted instances (they are not counted)', async () => {
    const { quota, counter } = engine({ quota_instances: 1 });
    counter.instances.push({ uuid: 'sd', projectId: 'p1', vcpus: 1, memoryMb: 512, softDeleted: true });
    await quota.checkDeltas(ctx, 'p1', { instances: 1 });
  });

  it('counts floating IPs, fixed IPs, security groups and networks per project', async () => {
    const { quota, counter } = engine({
      enable_network_quota: true,
      quota_networks: 1,
      quota_fixed_ips: 1,
      quota_floating_ips: 1,
      quota_security_groups: 1,
    });
    counter.networks.push({ projectId: 'p1' });
    counter.fixedIps.push({ projectId: 'p1' });
    counter.floatingIps.push({ projectId: 'p1', autoAssigned: false });
    counter.securityGroups.push({ id: 'g', projectId: 'p1' });
    const err = await rejectsWith(
      quota.checkDeltas(ctx, 'p1', { networks: 1, fixed_ips: 1, floating_ips: 1, security_groups: 1 }),
      OverQuota,
    );
    assert.deepEqual(err.overs, ['fixed_ips', 'floating_ips', 'networks', 'security_groups']);
    await quota.checkDeltas(ctx, 'p2', { networks: 1, fixed_ips: 1, floating_ips: 1, security_groups: 1 });
    assert.deepEqual(await quota.countUsage(ctx, 'p1', ['networks', 'floating_ips']), { networks: 1, floating_ips: 1 });
  });
});

describe('QuotaEngine check → create → recheck', () => {
  /** A create as callers write it: check, add the row, recheck, and remove the row if now over. */
  async function createInstance(quota: QuotaEngine, counter: MemoryUsageCounter, uuid: string): Promise<void> {
    await quota.checkDeltas(ctx, 'p1', { instances: 1, cores: 1, ram: 512 });
    counter.instances.push({ uuid, projectId: 'p1', vcpus: 1, memoryMb: 512 });
    try {
      await quota.recheck(ctx, 'p1', ['instances', 'cores', 'ram']);
    } catch (err) {
      counter.instances = counter.instances.filter((i) => i.uuid !== uuid);
      throw err;
    }
  }

  it('backs out both racing creates that passed the first check together', async () => {
    const { quota, counter } = engine();
    addInstances(counter, 'p1', 9);
    counter.rendezvous = 2;
    const results = await Promise.allSettled([createInstance(quota, counter, 'a'), createInstance(quota, counter, 'b')]);
    counter.rendezvous = 0;
    for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof OverQuota);
    assert.equal((await counter.countInstances('p1')).instances, 9);
  });

  it('lets the first of two sequential creates through and refuses the second at its check', async () => {
    const { quota, counter } = engine();
    addInstances(counter, 'p1', 9);
    await createInstance(quota, counter, 'a');
    await rejectsWith(createInstance(quota, counter, 'b'), OverQuota);
    assert.equal((await counter.countInstances('p1')).instances, 10);
  });

  it('keeps usage within the limit under many concurrent creates', async () => {
    const { quota, counter } = engine({ quota_instances: 5 });
    counter.jitterMs = 3;
    await Promise.allSettled(Array.from({ length: 12 }, (_, i) => createInstance(quota, counter, `i${i}`)));
    assert.ok((await counter.countInstances('p1')).instances <= 5);
  });

  it('recheck passes when usage is exactly at the limit and fails once it is beyond', async () => {
    const { quota, counter } = engine({ quota_instances: 2 });
    addInstances(counter, 'p1', 2);
    await quota.recheck(ctx, 'p1', ['instances']);
    addInstances(counter, 'p1', 1);
    const err = await rejectsWith(quota.recheck(ctx, 'p1', ['instances']), OverQuota);
    assert.deepEqual(err.usages.instances, { in_use: 3, reserved: 0 });
  });
});

describe('QuotaEngine.checkInstanceCreate', () => {
  const flavor = { vcpus: 2, memoryMb: 2048 };

  it('allows max_count when it fits', async () => {
    const { quota } = engine();
    assert.equal(await quota.checkInstanceCreate(ctx, 'p1', { minCount: 1, maxCount: 3, ...flavor }), 3);
  });

  it('reduces max_count to what fits when that is still at least min_count', async () => {
    const { quota, counter } = engine();
    addInstances(counter, 'p1', 7);
    assert.equal(await quota.checkInstanceCreate(ctx, 'p1', { minCount: 2, maxCount: 5, ...flavor }), 3);
  });

  it('reduces by cores headroom when cores are tighter than instances', async () => {
    const { quota, counter } = engine();
    addInstances(counter, 'p1', 1, 15, 1);
    assert.equal(await quota.checkInstanceCreate(ctx, 'p1', { minCount: 1, maxCount: 5, ...flavor }), 2);
  });

  it('throws TooManyInstances when fewer than min_count fit', async () => {
    const { quota, counter } = engine();
    addInstances(counter, 'p1', 10);
    const err = await rejectsWith(
      quota.checkInstanceCreate(ctx, 'p1', { minCount: 1, maxCount: 1, vcpus: 1, memoryMb: 512 }),
      TooManyInstances,
    );
    assert.equal(err.message, 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
  });
});

describe('QuotaEngine with the Noop driver', () => {
  const noop = () => engine({ quota_driver: 'nova.quota.NoopQuotaDriver' });

  it('reports every limit as -1, and usages as -1', async () => {
    const { quota, limits } = noop();
    await limits.setProjectLimit('p1', 'instances', 1);
    assert.ok(Object.values(quota.getDefaults()).every((v) => v === -1));
    const q = await quota.getProjectQuotas(ctx, 'p1', { usages: true });
    assert.deepEqual(q.instances, { limit: -1, in_use: -1, reserved: -1 });
    assert.ok(Object.values(await quota.getClassQuotas('gold')).every((v) => v === -1));
  });

  it('never refuses', async () => {
    const { quota, counter, limits } = noop();
    await limits.setProjectLimit('p1', 'instances', 0);
    addInstances(counter, 'p1', 100);
    await quota.checkDeltas(ctx, 'p1', { instances: 1000, cores: 1000, ram: 1_000_000 });
    await quota.limitCheck('p1', { metadata_items: 1_000_000 });
    assert.equal(await quota.checkInstanceCreate(ctx, 'p1', { minCount: 1, maxCount: 50, vcpus: 8, memoryMb: 8192 }), 50);
  });
});
