/**
 * The compute manager's reconciling periodic tasks, each called directly with the time it
 * should see (no sleeping), on a cloud whose instances were built by the real flow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PowerState } from '../../../src/common/states/power-state.js';
import { restoreInstance, softDeleteInstance } from '../../../src/compute/manager/deferred-delete.js';
import { DEFAULT_PERIODIC_OPTIONS, type PeriodicOptions } from '../../../src/compute/manager/deps.js';
import { rescueInstance } from '../../../src/compute/manager/guest.js';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import {
  checkInstanceBuildTime,
  cleanupRunningDeletedInstances,
  InfoCacheHealer,
  type PeriodicContext,
  pollBandwidthUsage,
  pollRebootingInstances,
  pollRescuedInstances,
  reclaimQueuedDeletes,
  syncPowerStates,
} from '../../../src/compute/manager/periodic.js';
import { adminContext } from '../../../src/context/context.js';
import { type InstanceRecord, instanceDestroy, instanceGetByUuid, instanceUpdate } from '../../../src/db/api/instances.js';
import { bootCloud, type Cloud, createInstanceRow, faultsOf, requestBuild, userContext, waitForRest } from './harness.js';

const TINY = { memory_mb: 64, vcpus: 1, root_gb: 0 };
const HOST = 'cmp-periodic';

let cloud: Cloud;
let manager: ComputeManager;

before(async () => {
  cloud = await bootCloud();
  manager = await cloud.startCompute(HOST);
});
after(async () => cloud.close());

/** The manager's periodic context with these options, seeing the time `at`. */
function at(time: Date, options: Partial<PeriodicOptions> = {}): PeriodicContext {
  return { ...manager.periodicContext({ ...DEFAULT_PERIODIC_OPTIONS, ...options }), now: () => time };
}

async function active(): Promise<InstanceRecord> {
  const ctx = userContext();
  const inst = await createInstanceRow(cloud, ctx, TINY);
  await requestBuild(cloud, ctx, [inst], TINY);
  const built = await waitForRest(cloud, inst.uuid as string);
  assert.equal(built.vm_state, 'active');
  return built;
}

const admin = () => adminContext();
const row = (uuid: string) => instanceGetByUuid(cloud.db, admin(), uuid, { readDeleted: 'yes' });
const later = (d: Date | null | undefined, seconds: number) => new Date((d ?? new Date()).getTime() + seconds * 1000);

describe('_sync_power_states', () => {
  test('stops an ACTIVE instance whose guest was shut down behind Nova’s back, recording the power state', async () => {
    const inst = await active();
    const p = at(new Date());
    await p.h.driver.powerOff(p.h.virt(inst));
    await syncPowerStates(p, admin());
    const after = await row(inst.uuid as string);
    assert.equal(after.vm_state, 'stopped');
    assert.equal(after.task_state, null);
    assert.equal(after.power_state, PowerState.SHUTDOWN);
  });

  test('leaves a running ACTIVE instance alone', async () => {
    const inst = await active();
    await syncPowerStates(at(new Date()), admin());
    const after = await row(inst.uuid as string);
    assert.equal(after.vm_state, 'active');
    assert.equal(after.power_state, PowerState.RUNNING);
  });
});

describe('_poll_rebooting_instances', () => {
  test('finishes a reboot stuck past reboot_timeout with a hard reboot; a younger one is left', async () => {
    const inst = await active();
    const p0 = at(new Date());
    const rebooting = await p0.h.transition(admin(), inst, 'reboot_soft', 'start');
    await pollRebootingInstances(at(later(rebooting.updated_at, 30), { rebootTimeout: 60 }), admin());
    assert.equal((await row(inst.uuid as string)).task_state, 'rebooting');
    await pollRebootingInstances(at(later(rebooting.updated_at, 61), { rebootTimeout: 60 }), admin());
    const after = await row(inst.uuid as string);
    assert.equal(after.task_state, null);
    assert.equal(after.vm_state, 'active');
  });

  test('does nothing with reboot_timeout 0', async () => {
    const inst = await active();
    const rebooting = await at(new Date()).h.transition(admin(), inst, 'reboot_soft', 'start');
    await pollRebootingInstances(at(later(rebooting.updated_at, 100_000), { rebootTimeout: 0 }), admin());
    assert.equal((await row(inst.uuid as string)).task_state, 'rebooting');
    await instanceUpdate(cloud.db, admin(), inst.uuid as string, { task_state: null });
  });
});

describe('_poll_rescued_instances', () => {
  test('unrescues an instance rescued for longer than rescue_timeout', async () => {
    const inst = await active();
    const p = at(new Date());
    const rescuing = await p.h.transition(admin(), inst, 'rescue', 'start');
    const rescued = await rescueInstance(p.h, admin(), rescuing, 'pw');
    assert.equal(rescued.vm_state, 'rescued');
    await pollRescuedInstances(at(later(rescued.launched_at, 10), { rescueTimeout: 60 }), admin());
    assert.equal((await row(inst.uuid as string)).vm_state, 'rescued');
    await pollRescuedInstances(at(later(rescued.launched_at, 61), { rescueTimeout: 60 }), admin());
    const after = await row(inst.uuid as string);
    assert.equal(after.vm_state, 'active');
    assert.equal(after.task_state, null);
  });
});

describe('_reclaim_queued_deletes and the host side of deferred delete', () => {
  test('soft delete keeps the guest powered off; restore powers it on again', async () => {
    const inst = await active();
    const p = at(new Date());
    const softDeleted = await softDeleteInstance(p.h, admin(), await p.h.transition(admin(), inst, 'soft_delete', 'start'));
    assert.equal(softDeleted.vm_state, 'soft-delete');
    assert.equal(softDeleted.power_state, PowerState.SHUTDOWN);
    assert.ok((await p.h.driver.listInstanceUuids()).includes(inst.uuid as string), 'the guest is kept');
    const restored = await restoreInstance(p.h, admin(), await p.h.transition(admin(), softDeleted, 'restore', 'start'));
    assert.equal(restored.vm_state, 'active');
    assert.equal(restored.power_state, PowerState.RUNNING);
  });

  test('deletes a soft-deleted instance once reclaim_instance_interval has passed since its delete, not before', async () => {
    const inst = await active();
    const p = at(new Date());
    await softDeleteInstance(p.h, admin(), await p.h.transition(admin(), inst, 'soft_delete', 'start'));
    const deletedAt = new Date();
    await instanceUpdate(cloud.db, admin(), inst.uuid as string, { deleted_at: deletedAt });
    await reclaimQueuedDeletes(at(later(deletedAt, 50), { reclaimInstanceInterval: 60 }), admin());
    assert.equal((await row(inst.uuid as string)).vm_state, 'soft-delete');
    await reclaimQueuedDeletes(at(later(deletedAt, 61), { reclaimInstanceInterval: 60 }), admin());
    const after = await row(inst.uuid as string);
    assert.notEqual(after.deleted, 0);
    assert.equal(after.vm_state, 'deleted');
    assert.ok(!(await p.h.driver.listInstanceUuids()).includes(inst.uuid as string), 'the guest is gone');
  });

  test('reclaims nothing while deferred delete is off', async () => {
    const inst = await active();
    const p = at(new Date());
    await softDeleteInstance(p.h, admin(), await p.h.transition(admin(), inst, 'soft_delete', 'start'));
    await reclaimQueuedDeletes(at(later(new Date(), 10_000), { reclaimInstanceInterval: 0 }), admin());
    assert.equal((await row(inst.uuid as string)).vm_state, 'soft-delete');
  });
});

describe('_cleanup_running_deleted_instances', () => {
  test('logs, then with reap destroys, a guest whose instance was deleted underneath it', async () => {
    const inst = await active();
    await instanceDestroy(cloud.db, admin(), inst.uuid as string);
    const now = later(new Date(), 5);
    assert.deepEqual(await cleanupRunningDeletedInstances(at(now, { runningDeletedInstanceAction: 'noop' }), admin()), []);
    const logged = await cleanupRunningDeletedInstances(at(now, { runningDeletedInstanceAction: 'log' }), admin());
    assert.ok(logged.includes(inst.uuid as string));
    const p = at(now, { runningDeletedInstanceAction: 'reap' });
    assert.ok((await p.h.driver.listInstanceUuids()).includes(inst.uuid as string));
    await cleanupRunningDeletedInstances(p, admin());
    assert.ok(!(await p.h.driver.listInstanceUuids()).includes(inst.uuid as string));
  });
});

describe('_check_instance_build_time', () => {
  test('sets an instance building past instance_build_timeout to ERROR with a fault', async () => {
    const ctx = userContext();
    const inst = await createInstanceRow(cloud, ctx, TINY, { host: HOST, task_state: null });
    const created = (await row(inst.uuid as string)).created_at as Date;
    await checkInstanceBuildTime(at(later(created, 30), { instanceBuildTimeout: 60 }), admin());
    assert.equal((await row(inst.uuid as string)).vm_state, 'building');
    await checkInstanceBuildTime(at(later(created, 61), { instanceBuildTimeout: 60 }), admin());
    const after = await row(inst.uuid as string);
    assert.equal(after.vm_state, 'error');
    assert.equal(after.task_state, null);
    assert.equal((await faultsOf(cloud, inst.uuid as string)).length, 1);
  });
});

describe('_heal_instance_info_cache', () => {
  test('refreshes one instance’s network info cache per run, going round the host’s instances', async () => {
    const inst = await active();
    await cloud.db.kysely
      .updateTable('instance_info_caches')
      .set({ network_info: '[]' })
      .where('instance_uuid', '=', inst.uuid as string)
      .execute();
    const healer = new InfoCacheHealer();
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const healed = await healer.run(at(new Date()), admin(), manager.periodicContext().h.network);
      if (healed) seen.add(healed);
      if (seen.has(inst.uuid as string)) break;
    }
    assert.ok(seen.has(inst.uuid as string));
    const cache = await cloud.db.kysely
      .selectFrom('instance_info_caches')
      .select('network_info')
      .where('instance_uuid', '=', inst.uuid as string)
      .executeTakeFirstOrThrow();
    assert.notEqual(cache.network_info, '[]');
    assert.match(String(cache.network_info), /"address"/);
  });
});

describe('_poll_bandwidth_usage', () => {
  test('records each interface of the host’s instances in bw_usage_cache for the current audit period, once per interface', async () => {
    const inst = await active();
    const now = new Date(Date.UTC(2026, 11, 7, 12));
    const counted = await pollBandwidthUsage(at(now), admin());
    assert.ok(counted > 0);
    await pollBandwidthUsage(at(now), admin());
    const rows = await cloud.db.kysely
      .selectFrom('bw_usage_cache')
      .selectAll()
      .where('uuid', '=', inst.uuid as string)
      .execute();
    assert.equal(rows.length, 1, 'a second poll updates the row');
    assert.equal(new Date(rows[0]?.start_period as Date).toISOString(), '2026-12-01T00:00:00.000Z');
    assert.equal(Number(rows[0]?.bw_in), 0);
  });
});
