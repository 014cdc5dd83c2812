import assert from 'node:assert/strict';
import { AdminRequired, ComputeHostNotFound, HostBinaryNotFound, ServiceNotFound } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { computeNodeCreate, computeNodeGet } from '../../../src/db/api/compute-nodes.js';
import {
  serviceCreate,
  serviceDestroy,
  serviceGet,
  serviceGetAll,
  serviceGetAllByHost,
  serviceGetAllByTopic,
  serviceGetByArgs,
  serviceGetByComputeHost,
  serviceGetByHostAndTopic,
  serviceUpdate,
} from '../../../src/db/api/services.js';
import { forEachEngine } from './engines.js';

const node = (serviceId: number) => ({
  service_id: serviceId,
  vcpus: 4,
  memory_mb: 8192,
  local_gb: 100,
  vcpus_used: 0,
  memory_mb_used: 512,
  local_gb_used: 0,
  hypervisor_type: 'QEMU',
  hypervisor_version: 1002000,
  cpu_info: '{}',
  hypervisor_hostname: 'hv1',
});

forEachEngine('services DB API', async (t, { db }) => {
  const compute = await serviceCreate(db, null, { host: 'host1', binary: 'nova-compute', topic: 'compute' });
  const scheduler = await serviceCreate(db, null, { host: 'host1', binary: 'nova-scheduler', topic: 'scheduler' });
  const compute2 = await serviceCreate(db, null, { host: 'host2', binary: 'nova-compute', topic: 'compute', disabled: true });

  await t.test('serviceCreate fills Nova defaults and returns the row', () => {
    assert.equal(compute.report_count, 0);
    assert.equal(compute.disabled, false);
    assert.equal(compute.deleted, 0);
    assert.ok(compute.created_at instanceof Date);
    assert.equal(compute.updated_at, null);
  });

  await t.test('serviceCreate starts a service disabled when enable_new_services is false', async () => {
    const s = await serviceCreate(
      db,
      null,
      { host: 'host3', binary: 'nova-cert', topic: 'cert', disabled: false },
      { enableNewServices: false },
    );
    assert.equal(s.disabled, true);
    await serviceDestroy(db, null, s.id);
  });

  await t.test('serviceCreate refuses a non-admin context', async () => {
    const user = new RequestContext({ userId: 'u', projectId: 'p' });
    await assert.rejects(serviceCreate(db, user, { host: 'x', binary: 'y', topic: 'z' }), AdminRequired);
  });

  await t.test('serviceGetByArgs finds (host, binary) and raises HostBinaryNotFound otherwise', async () => {
    assert.equal((await serviceGetByArgs(db, null, 'host1', 'nova-scheduler')).id, scheduler.id);
    await assert.rejects(serviceGetByArgs(db, null, 'host1', 'nova-network'), HostBinaryNotFound);
  });

  await t.test('serviceGet returns compute nodes and raises ServiceNotFound for an unknown id', async () => {
    const s = await serviceGet(db, null, scheduler.id);
    assert.deepEqual(s.compute_node, []);
    await assert.rejects(serviceGet(db, null, 999999), ServiceNotFound);
  });

  await t.test('serviceGetAll lists every live service, optionally by disabled flag', async () => {
    assert.deepEqual(
      (await serviceGetAll(db, null)).map((s) => s.id),
      [compute.id, scheduler.id, compute2.id],
    );
    assert.deepEqual(
      (await serviceGetAll(db, null, { disabled: true })).map((s) => s.id),
      [compute2.id],
    );
    assert.deepEqual(
      (await serviceGetAll(db, null, { disabled: false })).map((s) => s.id),
      [compute.id, scheduler.id],
    );
  });

  await t.test('serviceGetAllByTopic returns only enabled services', async () => {
    assert.deepEqual(
      (await serviceGetAllByTopic(db, null, 'compute')).map((s) => s.id),
      [compute.id],
    );
  });

  await t.test('serviceGetAllByHost and serviceGetByHostAndTopic', async () => {
    assert.deepEqual((await serviceGetAllByHost(db, null, 'host1')).map((s) => s.binary).sort(), ['nova-compute', 'nova-scheduler']);
    assert.equal((await serviceGetByHostAndTopic(db, null, 'host1', 'compute'))?.id, compute.id);
    assert.equal(await serviceGetByHostAndTopic(db, null, 'host2', 'compute'), null, 'disabled service is not returned');
  });

  await t.test('serviceGetByComputeHost joins compute nodes and raises ComputeHostNotFound', async () => {
    const n = await computeNodeCreate(db, null, node(compute.id));
    const s = await serviceGetByComputeHost(db, null, 'host1');
    assert.equal(s.id, compute.id);
    assert.deepEqual(
      s.compute_node.map((c) => c.id),
      [n.id],
    );
    await assert.rejects(serviceGetByComputeHost(db, null, 'nohost'), ComputeHostNotFound);
  });

  await t.test('serviceUpdate always moves updated_at forward (heartbeats rely on it)', async () => {
    const first = await serviceUpdate(db, null, compute.id, { report_count: 1 });
    assert.equal(first.report_count, 1);
    assert.ok(first.updated_at instanceof Date);
    const longAgo = new Date(Date.UTC(2013, 3, 4));
    await db.kysely.updateTable('services').set({ updated_at: longAgo }).where('id', '=', compute.id).execute();
    const second = await serviceUpdate(db, null, compute.id, {});
    assert.ok((second.updated_at as Date).getTime() > longAgo.getTime(), 'an update with no values still sets updated_at to now');
    await assert.rejects(serviceUpdate(db, null, 999999, { report_count: 1 }), ServiceNotFound);
  });

  await t.test('serviceDestroy soft-deletes the service and its compute nodes', async () => {
    const s = await serviceCreate(db, null, { host: 'host9', binary: 'nova-compute', topic: 'compute' });
    const n = await computeNodeCreate(db, null, node(s.id));
    await serviceDestroy(db, null, s.id);
    await assert.rejects(serviceGet(db, null, s.id), ServiceNotFound);
    await assert.rejects(computeNodeGet(db, null, n.id), ComputeHostNotFound);
    const raw = await db.kysely.selectFrom('compute_nodes').selectAll().where('id', '=', n.id).executeTakeFirstOrThrow();
    assert.equal(raw.deleted, n.id);
    const rawService = await db.kysely.selectFrom('services').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    assert.equal(rawService.deleted, s.id);
    assert.ok(rawService.deleted_at instanceof Date);
    await assert.rejects(serviceDestroy(db, null, s.id), ServiceNotFound);
  });

  await t.test('a context reading deleted rows sees destroyed services', async () => {
    const s = await serviceCreate(db, null, { host: 'host8', binary: 'nova-network', topic: 'network' });
    await serviceDestroy(db, null, s.id);
    const admin = new RequestContext({ userId: null, projectId: null, isAdmin: true, readDeleted: 'only' });
    const deleted = await serviceGetAll(db, admin);
    assert.ok(deleted.some((x) => x.id === s.id));
    assert.ok(deleted.every((x) => x.deleted !== 0));
    assert.equal((await serviceGetByArgs(db, admin, 'host8', 'nova-network')).id, s.id);
  });
});
