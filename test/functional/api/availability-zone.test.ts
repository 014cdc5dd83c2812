import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serviceCreate } from '../../../src/db/api/services.js';
import { type ComputeHarness, startComputeHarness } from './compute-harness.js';

const ALICE = 'alice:proj-a';
const ADMIN = 'admin:admin-proj';

let h: ComputeHarness;

before(async () => {
  h = await startComputeHarness();
  const svc = (host: string, binary: string, topic: string, disabled = false) =>
    serviceCreate(h.db, null, { host, binary, topic, disabled });
  await svc('ctl', 'nova-scheduler', 'scheduler');
  await svc('ctl', 'nova-conductor', 'conductor');
  await svc('cmp1', 'nova-compute', 'compute');
  await svc('cmp2', 'nova-compute', 'compute');
  await svc('cmp3', 'nova-compute', 'compute', true);
  const stale = await svc('cmp4', 'nova-compute', 'compute');
  await h.db.kysely
    .updateTable('services')
    .set({ updated_at: new Date(Date.now() - 3600_000) })
    .where('id', '=', stale.id)
    .execute();
  // cmp2 is in aggregate "rack2" carrying zone az-east; disabled cmp3 in az-west.
  for (const [name, host, zone] of [
    ['rack2', 'cmp2', 'az-east'],
    ['rack3', 'cmp3', 'az-west'],
  ] as const) {
    const agg = await h.db.kysely.insertInto('aggregates').values({ name, deleted: 0 }).executeTakeFirstOrThrow();
    const id = Number(agg.insertId);
    await h.db.kysely.insertInto('aggregate_hosts').values({ aggregate_id: id, host, deleted: 0 }).execute();
    await h.db.kysely
      .insertInto('aggregate_metadata')
      .values({ aggregate_id: id, key: 'availability_zone', value: zone, deleted: 0 })
      .execute();
  }
});
after(async () => h.close());

describe('os-availability-zone', () => {
  test('lists available zones (internal hidden) and zones with only disabled services as unavailable', async () => {
    const r = await h.call('GET', '/v2.1/os-availability-zone', ALICE);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      availabilityZoneInfo: [
        { zoneName: 'az-east', zoneState: { available: true }, hosts: null },
        { zoneName: 'nova', zoneState: { available: true }, hosts: null },
        { zoneName: 'az-west', zoneState: { available: false }, hosts: null },
      ],
    });
  });

  test('detail is for admins (403 otherwise)', async () => {
    assert.equal((await h.call('GET', '/v2.1/os-availability-zone/detail', ALICE)).status, 403);
  });

  test('detail shows hosts and services per zone, internal included, with liveness', async () => {
    const r = await h.call('GET', '/v2.1/os-availability-zone/detail', ADMIN);
    assert.equal(r.status, 200);
    const byName = new Map(r.json.availabilityZoneInfo.map((z: { zoneName: string }) => [z.zoneName, z]));
    assert.deepEqual([...byName.keys()], ['az-east', 'internal', 'nova', 'az-west']);
    const internal = byName.get('internal') as { hosts: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(internal.hosts), ['ctl']);
    assert.deepEqual(Object.keys(internal.hosts.ctl as object).sort(), ['nova-conductor', 'nova-scheduler']);
    const nova = byName.get('nova') as {
      hosts: Record<string, Record<string, { available: boolean; active: boolean; updated_at: string | null }>>;
    };
    assert.deepEqual(Object.keys(nova.hosts).sort(), ['cmp1', 'cmp4']);
    assert.equal(nova.hosts.cmp1?.['nova-compute']?.available, true);
    assert.equal(nova.hosts.cmp1?.['nova-compute']?.active, true);
    assert.equal(nova.hosts.cmp4?.['nova-compute']?.available, false, 'a stale heartbeat is down');
    assert.match(nova.hosts.cmp4?.['nova-compute']?.updated_at as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    assert.deepEqual(byName.get('az-west'), { zoneName: 'az-west', zoneState: { available: false }, hosts: null });
  });
});
