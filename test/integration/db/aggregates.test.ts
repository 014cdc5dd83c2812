import assert from 'node:assert/strict';
import { adminContext } from '../../../src/context/context.js';
import {
  AggregateHostExists,
  AggregateHostNotFound,
  AggregateNameExists,
  AggregateNotFound,
  aggregateCreate,
  aggregateDelete,
  aggregateGet,
  aggregateGetAll,
  aggregateGetByHost,
  aggregateHostAdd,
  aggregateHostDelete,
  aggregateMetadataSet,
  aggregateUpdate,
  aggregateZonesByHost,
} from '../../../src/db/api/aggregates.js';
import { softDeleteWhere } from '../../../src/db/api/common.js';
import { forEachEngine } from './engines.js';
import { aggregate } from './rows.js';

forEachEngine('aggregates DB API', async (t, { db }) => {
  await t.test('a host gets the availability zone of its aggregate; hosts of no zone are absent', async () => {
    assert.deepEqual(await aggregateZonesByHost(db, null), new Map());
    await aggregate(db, 'rack1', ['cmp1', 'cmp2'], { availability_zone: 'az1', ssd: 'true' });
    await aggregate(db, 'gpu', ['cmp3'], { gpu: 'true' });
    assert.deepEqual(
      await aggregateZonesByHost(db, null),
      new Map([
        ['cmp1', 'az1'],
        ['cmp2', 'az1'],
      ]),
    );
  });

  await t.test('a host in two zones shows both, sorted and joined with a comma, each once', async () => {
    await aggregate(db, 'rack0', ['cmp2'], { availability_zone: 'az0' });
    await aggregate(db, 'rack1-copy', ['cmp2'], { availability_zone: 'az1' });
    assert.equal((await aggregateZonesByHost(db, null)).get('cmp2'), 'az0,az1');
  });

  await t.test('soft-deleted aggregates, hosts and metadata no longer count', async () => {
    const id = await aggregate(db, 'gone', ['cmp9'], { availability_zone: 'az9' });
    const other = await aggregate(db, 'leaving', ['cmp8'], { availability_zone: 'az8' });
    const meta = await aggregate(db, 'unzoned', ['cmp7'], { availability_zone: 'az7' });
    assert.equal((await aggregateZonesByHost(db, null)).get('cmp9'), 'az9');
    await softDeleteWhere(db, 'aggregates', { id });
    await softDeleteWhere(db, 'aggregate_hosts', { aggregate_id: other });
    await softDeleteWhere(db, 'aggregate_metadata', { aggregate_id: meta });
    const zones = await aggregateZonesByHost(db, null);
    assert.equal(zones.has('cmp9'), false);
    assert.equal(zones.has('cmp8'), false);
    assert.equal(zones.has('cmp7'), false);
  });

  await t.test('CRUD: create with metadata, rename, hosts in and out, metadata set and unset, delete', async () => {
    const made = await aggregateCreate(db, adminContext(), 'crud', { availability_zone: 'azc' });
    assert.deepEqual([made.name, made.hosts, made.metadata], ['crud', [], { availability_zone: 'azc' }]);
    await assert.rejects(aggregateCreate(db, adminContext(), 'crud'), AggregateNameExists);
    await aggregateHostAdd(db, adminContext(), made.id, 'hc1');
    await assert.rejects(aggregateHostAdd(db, adminContext(), made.id, 'hc1'), AggregateHostExists);
    await aggregateMetadataSet(db, adminContext(), made.id, { ssd: 'yes', availability_zone: null });
    await aggregateUpdate(db, adminContext(), made.id, { name: 'crud2' });
    const shown = await aggregateGet(db, adminContext(), made.id);
    assert.deepEqual([shown.name, shown.hosts, shown.metadata], ['crud2', ['hc1'], { ssd: 'yes' }]);
    assert.deepEqual(
      (await aggregateGetByHost(db, adminContext(), 'hc1')).map((a) => a.id),
      [made.id],
    );
    await aggregateHostDelete(db, adminContext(), made.id, 'hc1');
    await assert.rejects(aggregateHostDelete(db, adminContext(), made.id, 'hc1'), AggregateHostNotFound);
    await aggregateDelete(db, adminContext(), made.id);
    await assert.rejects(aggregateGet(db, adminContext(), made.id), AggregateNotFound);
    assert.ok(!(await aggregateGetAll(db, adminContext())).some((a) => a.id === made.id));
  });
});
