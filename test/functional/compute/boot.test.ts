import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComputeManager } from '../../../src/compute/manager/index.js';
import { adminContext } from '../../../src/context/context.js';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import { NetworkAPI } from '../../../src/network/api.js';
import { FakeDriver } from '../../../src/virt/fake/driver.js';
import type { NetworkInfo } from '../../../src/virt/network-model.js';
import { hydrateNetworkInfo } from '../../../src/virt/network-model.js';
import type { BlockDeviceInfo, ImageMeta, InjectedFile, VirtInstance } from '../../../src/virt/types.js';
import { bootCloud, createInstanceRow, fakeDriver, faultsOf, requestBuild, userContext, waitForRest } from './harness.js';

const TINY = { memory_mb: 512, vcpus: 1, root_gb: 1 };

/** A hypervisor whose spawns always fail. */
class BrokenDriver extends FakeDriver {
  override async spawn(
    _i: VirtInstance,
    _m: ImageMeta,
    _f: readonly InjectedFile[],
    _p: string | null,
    _n: NetworkInfo,
    _b: BlockDeviceInfo | null,
  ): Promise<void> {
    throw new Error('hypervisor refused to start the guest');
  }
}

describe('booting and deleting through the scheduler and compute managers', () => {
  it('builds an instance to ACTIVE with power RUNNING, an address in its info cache and the create notifications', async () => {
    const cloud = await bootCloud();
    try {
      await cloud.startCompute('cmp1');
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY);
      await requestBuild(cloud, ctx, [inst], TINY);
      const done = await waitForRest(cloud, inst.uuid as string);
      assert.equal(done.vm_state, 'active');
      assert.equal(done.power_state, 1);
      assert.equal(done.host, 'cmp1');
      assert.equal(done.node, 'cmp1');
      assert.ok(done.launched_at);
      const nw = hydrateNetworkInfo(done.info_cache?.network_info ?? '[]');
      assert.equal(nw.length, 1);
      assert.match(nw[0]?.network?.subnets[0]?.ips[0]?.address ?? '', /^10\.0\.0\./);
      const driver = cloud.computes.get('cmp1')?.driver as FakeDriver;
      assert.equal((await driver.listInstanceUuids()).includes(inst.uuid as string), true);
      const types = cloud.notifications.eventTypes();
      for (const t of [
        'scheduler.run_instance.start',
        'scheduler.run_instance.scheduled',
        'compute.instance.create.start',
        'compute.instance.create.end',
      ]) {
        assert.ok(types.includes(t), `missing ${t} in ${types.join(', ')}`);
      }
      const node = await cloud.db.kysely.selectFrom('compute_nodes').selectAll().executeTakeFirstOrThrow();
      assert.equal(node.memory_mb_used, 512 + 512);
    } finally {
      await cloud.close();
    }
  });

  it('puts the instance in ERROR with a NoValidHost fault when no compute host exists', async () => {
    const cloud = await bootCloud();
    try {
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY);
      await requestBuild(cloud, ctx, [inst], TINY);
      const done = await waitForRest(cloud, inst.uuid as string);
      assert.equal(done.vm_state, 'error');
      const faults = await faultsOf(cloud, inst.uuid as string);
      assert.equal(faults.length, 1);
      assert.match(faults[0]?.message ?? '', /No valid host/);
      assert.ok(cloud.notifications.messages.some((m) => m.event_type === 'scheduler.run_instance' && m.priority === 'ERROR'));
    } finally {
      await cloud.close();
    }
  });

  it('puts a flavor too big for every host in ERROR with a fault', async () => {
    const cloud = await bootCloud();
    try {
      await cloud.startCompute('cmp1');
      const ctx = userContext();
      const huge = { memory_mb: 64 * 1024, vcpus: 1, root_gb: 1 };
      const inst = await createInstanceRow(cloud, ctx, huge);
      await requestBuild(cloud, ctx, [inst], huge);
      const done = await waitForRest(cloud, inst.uuid as string);
      assert.equal(done.vm_state, 'error');
      assert.equal((await faultsOf(cloud, inst.uuid as string)).length, 1);
    } finally {
      await cloud.close();
    }
  });

  it('ends a failed spawn in ERROR with the driver error as fault and nothing left allocated (no re-scheduling)', async () => {
    const cloud = await bootCloud({ scheduler_max_attempts: 1 });
    try {
      await cloud.startCompute('cmp1', new BrokenDriver({ ...fakeDriver('cmp1').options }));
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY);
      await requestBuild(cloud, ctx, [inst], TINY);
      const done = await waitForRest(cloud, inst.uuid as string);
      assert.equal(done.vm_state, 'error');
      const faults = await faultsOf(cloud, inst.uuid as string);
      assert.match(faults[0]?.message ?? '', /hypervisor refused/);
      const ips = await cloud.db.kysely
        .selectFrom('fixed_ips')
        .select('address')
        .where('instance_uuid', '=', inst.uuid as string)
        .where('allocated', '=', true)
        .execute();
      assert.equal(ips.length, 0);
      assert.ok(cloud.notifications.eventTypes().includes('compute.instance.create.error'));
      const node = await cloud.db.kysely.selectFrom('compute_nodes').selectAll().executeTakeFirstOrThrow();
      assert.equal(node.memory_mb_used, 512);
    } finally {
      await cloud.close();
    }
  });

  it('re-schedules a failed spawn to the second compute host', async () => {
    const cloud = await bootCloud();
    try {
      await cloud.startCompute('bad', new BrokenDriver({ ...fakeDriver('bad', 8192).options }));
      await cloud.startCompute('good', fakeDriver('good', 2048));
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY);
      await requestBuild(cloud, ctx, [inst], TINY);
      const done = await waitForRest(cloud, inst.uuid as string);
      assert.equal(done.vm_state, 'active');
      assert.equal(done.host, 'good');
    } finally {
      await cloud.close();
    }
  });

  it('never places two concurrent builds on a host with room for one: one ACTIVE, one ERROR', async () => {
    const cloud = await bootCloud({ ram_allocation_ratio: 1.0 });
    try {
      await cloud.startCompute('cmp1', fakeDriver('cmp1', 1024));
      const ctx1 = userContext();
      const ctx2 = userContext();
      const a = await createInstanceRow(cloud, ctx1, TINY);
      const b = await createInstanceRow(cloud, ctx2, TINY);
      await Promise.all([requestBuild(cloud, ctx1, [a], TINY), requestBuild(cloud, ctx2, [b], TINY)]);
      const states = [await waitForRest(cloud, a.uuid as string), await waitForRest(cloud, b.uuid as string)].map((i) => i.vm_state).sort();
      assert.deepEqual(states, ['active', 'error']);
      const driver = cloud.computes.get('cmp1')?.driver as FakeDriver;
      assert.equal((await driver.listInstances()).length, 1);
    } finally {
      await cloud.close();
    }
  });

  it('terminates an instance: gone from the driver, network released, rows soft-deleted, delete notifications sent', async () => {
    const cloud = await bootCloud();
    try {
      await cloud.startCompute('cmp1');
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY);
      await requestBuild(cloud, ctx, [inst], TINY);
      const active = await waitForRest(cloud, inst.uuid as string);
      await cloud.db.kysely
        .updateTable('instances')
        .set({ task_state: 'deleting' })
        .where('uuid', '=', inst.uuid as string)
        .execute();
      await cloud.compute.cast(
        ctx,
        'terminate_instance',
        { instance: { ...active, task_state: 'deleting' }, bdms: [], reservations: null },
        { server: 'cmp1' },
      );
      const end = Date.now() + 5000;
      let row = await instanceGetByUuid(cloud.db, adminContext(), inst.uuid as string, { readDeleted: 'yes' });
      // delete.end goes out last, after the row is gone and the node's usage rewritten.
      while ((row.deleted === 0 || !cloud.notifications.eventTypes().includes('compute.instance.delete.end')) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
        row = await instanceGetByUuid(cloud.db, adminContext(), inst.uuid as string, { readDeleted: 'yes' });
      }
      assert.notEqual(row.deleted, 0);
      assert.equal(row.vm_state, 'deleted');
      assert.ok(row.terminated_at);
      const driver = cloud.computes.get('cmp1')?.driver as FakeDriver;
      assert.deepEqual(await driver.listInstances(), []);
      const ips = await cloud.db.kysely
        .selectFrom('fixed_ips')
        .select('address')
        .where('instance_uuid', '=', inst.uuid as string)
        .where('allocated', '=', true)
        .execute();
      assert.equal(ips.length, 0);
      const types = cloud.notifications.eventTypes();
      assert.ok(types.includes('compute.instance.delete.start') && types.includes('compute.instance.delete.end'));
      const node = await cloud.db.kysely.selectFrom('compute_nodes').selectAll().executeTakeFirstOrThrow();
      assert.equal(node.memory_mb_used, 512);
    } finally {
      await cloud.close();
    }
  });

  it('puts a build interrupted by a crash into ERROR with a fault when the compute host restarts', async () => {
    const cloud = await bootCloud();
    try {
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY, { host: 'cmp1', node: 'cmp1', task_state: 'spawning' });
      const restarted = new ComputeManager('cmp1', {
        driver: fakeDriver('cmp1'),
        conductor: cloud.conductor(),
        network: NetworkAPI.fromConfig(cloud.conf, cloud.transport),
        scheduler: cloud.scheduler,
      });
      await restarted.initHost();
      const row = await instanceGetByUuid(cloud.db, adminContext(), inst.uuid as string);
      assert.equal(row.vm_state, 'error');
      assert.equal(row.task_state, null);
      const faults = await faultsOf(cloud, inst.uuid as string);
      assert.match(faults[0]?.message ?? '', /left in a transitional state by a restart/);
    } finally {
      await cloud.close();
    }
  });

  it('ends an action interrupted by a crash in its failure outcome with a fault when the compute host restarts', async () => {
    const cloud = await bootCloud();
    try {
      const ctx = userContext();
      const pausing = await createInstanceRow(cloud, ctx, TINY, { host: 'cmp1', node: 'cmp1', vm_state: 'active', task_state: 'pausing' });
      const suspending = await createInstanceRow(cloud, ctx, TINY, {
        host: 'cmp1',
        node: 'cmp1',
        vm_state: 'active',
        task_state: 'suspending',
      });
      const restarted = new ComputeManager('cmp1', {
        driver: fakeDriver('cmp1'),
        conductor: cloud.conductor(),
        network: NetworkAPI.fromConfig(cloud.conf, cloud.transport),
        scheduler: cloud.scheduler,
      });
      await restarted.initHost();
      const paused = await instanceGetByUuid(cloud.db, adminContext(), pausing.uuid as string);
      assert.deepEqual([paused.vm_state, paused.task_state], ['active', null]);
      const suspended = await instanceGetByUuid(cloud.db, adminContext(), suspending.uuid as string);
      assert.deepEqual([suspended.vm_state, suspended.task_state], ['error', null]);
      const faults = await faultsOf(cloud, pausing.uuid as string);
      assert.match(faults[0]?.message ?? '', /left in a transitional state by a restart/);
    } finally {
      await cloud.close();
    }
  });
});
