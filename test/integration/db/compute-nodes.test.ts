import assert from 'node:assert/strict';
import { ComputeHostNotFound } from '../../../src/common/errors.js';
import {
  computeNodeCreate,
  computeNodeDelete,
  computeNodeGet,
  computeNodeGetAll,
  computeNodeSearchByHypervisor,
  computeNodeStatistics,
  computeNodeUpdate,
} from '../../../src/db/api/compute-nodes.js';
import { serviceCreate } from '../../../src/db/api/services.js';
import { forEachEngine } from './engines.js';

forEachEngine('compute nodes DB API', async (t, { db }) => {
  const svc = await serviceCreate(db, null, { host: 'c1', binary: 'nova-compute', topic: 'compute' });
  const values = (hostname: string) => ({
    service_id: svc.id,
    vcpus: 8,
    memory_mb: 16384,
    local_gb: 200,
    vcpus_used: 2,
    memory_mb_used: 4096,
    local_gb_used: 20,
    hypervisor_type: 'QEMU',
    hypervisor_version: 1002000,
    cpu_info: '{"arch": "x86_64"}',
    hypervisor_hostname: hostname,
    free_ram_mb: 12288,
    free_disk_gb: 180,
    current_workload: 1,
    running_vms: 2,
    disk_available_least: 150,
  });
  const statsOf = (n: { stats: { key: string; value: string | null }[] }) =>
    Object.fromEntries(n.stats.map((s) => [s.key, s.value]).sort(([a], [b]) => String(a).localeCompare(String(b))));

  const a = await computeNodeCreate(db, null, { ...values('alpha.example.org'), stats: { num_instances: 2, num_vm_active: 1 } });
  const b = await computeNodeCreate(db, null, values('beta.example.org'));

  await t.test('computeNodeCreate stores stats as rows and returns the node with its service', () => {
    assert.deepEqual(statsOf(a), { num_instances: '2', num_vm_active: '1' });
    assert.equal(a.service?.id, svc.id);
    assert.equal(a.vcpus, 8);
    assert.ok(a.created_at instanceof Date);
  });

  await t.test('computeNodeGet raises ComputeHostNotFound for an unknown id', async () => {
    assert.equal((await computeNodeGet(db, null, b.id)).hypervisor_hostname, 'beta.example.org');
    await assert.rejects(computeNodeGet(db, null, 424242), ComputeHostNotFound);
  });

  await t.test('computeNodeUpdate upserts stats and always bumps updated_at', async () => {
    const u1 = await computeNodeUpdate(db, null, a.id, { stats: { num_instances: 3, num_task_spawning: 1 } });
    assert.deepEqual(statsOf(u1), { num_instances: '3', num_task_spawning: '1', num_vm_active: '1' });
    assert.ok(u1.updated_at instanceof Date);
    const longAgo = new Date(Date.UTC(2013, 3, 4));
    await db.kysely.updateTable('compute_nodes').set({ updated_at: longAgo }).where('id', '=', a.id).execute();
    const u2 = await computeNodeUpdate(db, null, a.id, {});
    assert.ok((u2.updated_at as Date).getTime() > longAgo.getTime(), 'an update with no values still sets updated_at to now');
    assert.equal(u2.vcpus_used, 2);
  });

  await t.test('computeNodeUpdate with pruneStats soft-deletes the stats not given', async () => {
    const u = await computeNodeUpdate(db, null, a.id, { vcpus_used: 5, stats: { num_instances: 4 } }, true);
    assert.deepEqual(statsOf(u), { num_instances: '4' });
    assert.equal(u.vcpus_used, 5);
    const pruned = await db.kysely
      .selectFrom('compute_node_stats')
      .selectAll()
      .where('compute_node_id', '=', a.id)
      .where('deleted', '!=', 0)
      .execute();
    assert.deepEqual(pruned.map((s) => s.key).sort(), ['num_task_spawning', 'num_vm_active']);
    assert.ok(pruned.every((s) => s.deleted === s.id && s.deleted_at instanceof Date));
  });

  await t.test('computeNodeUpdate of an unknown node raises ComputeHostNotFound', async () => {
    await assert.rejects(computeNodeUpdate(db, null, 424242, { vcpus_used: 1 }), ComputeHostNotFound);
  });

  await t.test('computeNodeGetAll and computeNodeSearchByHypervisor', async () => {
    assert.deepEqual(
      (await computeNodeGetAll(db, null)).map((n) => n.id),
      [a.id, b.id],
    );
    assert.deepEqual(
      (await computeNodeSearchByHypervisor(db, null, 'beta')).map((n) => n.id),
      [b.id],
    );
    assert.deepEqual(
      (await computeNodeSearchByHypervisor(db, null, 'example')).map((n) => n.id),
      [a.id, b.id],
    );
    assert.deepEqual(await computeNodeSearchByHypervisor(db, null, 'gamma'), []);
  });

  await t.test('computeNodeStatistics sums over live nodes', async () => {
    const s = await computeNodeStatistics(db, null);
    assert.deepEqual(s, {
      count: 2,
      vcpus: 16,
      memory_mb: 32768,
      local_gb: 400,
      vcpus_used: 7,
      memory_mb_used: 8192,
      local_gb_used: 40,
      free_ram_mb: 24576,
      free_disk_gb: 360,
      current_workload: 2,
      running_vms: 4,
      disk_available_least: 300,
    });
  });

  await t.test('computeNodeDelete soft-deletes and a second delete raises ComputeHostNotFound', async () => {
    await computeNodeDelete(db, null, b.id);
    await assert.rejects(computeNodeGet(db, null, b.id), ComputeHostNotFound);
    await assert.rejects(computeNodeDelete(db, null, b.id), ComputeHostNotFound);
    const s = await computeNodeStatistics(db, null);
    assert.equal(s.count, 1);
    assert.equal(s.vcpus, 8);
  });
});
