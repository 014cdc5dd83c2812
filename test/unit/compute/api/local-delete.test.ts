import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deleteInstance } from '../../../../src/compute/api/delete.js';
import type { ComputeApiDeps } from '../../../../src/compute/api/deps.js';
import '../../../../src/cmd/all-opts.js';
import { Config } from '../../../../src/config/config.js';
import { adminContext, RequestContext } from '../../../../src/context/context.js';
import type { Db } from '../../../../src/db/api/common.js';
import { instanceFaultGetByInstanceUuids } from '../../../../src/db/api/instance-faults.js';
import { instanceCreate, instanceGetByUuid, instanceInfoCacheGet } from '../../../../src/db/api/instances.js';
import { serviceCreate } from '../../../../src/db/api/services.js';
import { openDatabase } from '../../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../../src/db/migrator.js';
import type { InstanceRef } from '../../../../src/network/api.js';
import { MemoryNotificationDriver } from '../../../../src/notifications/drivers.js';
import { Notifier } from '../../../../src/notifications/notifier.js';

const user = new RequestContext({ userId: 'u1', projectId: 'p1', roles: ['member'] });

describe('deleting a server whose compute host is down (local delete)', () => {
  let dir: string;
  let db: Db;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nova-local-delete-'));
    db = (await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`)) as Db;
    await migrate(db, NOVA_REPOSITORY, novaMigrations);
    // A heartbeat an hour old: the host's compute service is down.
    const old = new Date(Date.now() - 3600_000);
    await serviceCreate(db, adminContext(), { host: 'cmp1', binary: 'nova-compute', topic: 'compute', created_at: old, updated_at: old });
  });

  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function deps(release: (instance: InstanceRef) => Promise<void>) {
    const memory = new MemoryNotificationDriver();
    const casts: unknown[] = [];
    const d = {
      db,
      conf: Config.load({ configFiles: [], overrides: { DEFAULT: { host: 'api1' } } }),
      policy: { enforce: () => {} },
      networkRelease: { deallocateForInstance: async (_ctx: RequestContext, instance: InstanceRef) => release(instance) },
      notifier: new Notifier([memory]),
      compute: { cast: async (...args: unknown[]) => void casts.push(args) },
    } as unknown as ComputeApiDeps;
    return { d, memory, casts };
  }

  async function activeOnCmp1(): Promise<string> {
    const uuid = randomUUID();
    await instanceCreate(db, user, {
      uuid,
      project_id: 'p1',
      user_id: 'u1',
      host: 'cmp1',
      node: 'cmp1',
      vm_state: 'active',
      info_cache: { network_info: '[{"id": "vif"}]' },
    });
    return uuid;
  }

  it('releases the network, deletes the rows and sends delete.start and delete.end, without casting to the host', async () => {
    const uuid = await activeOnCmp1();
    const released: InstanceRef[] = [];
    const { d, memory, casts } = deps(async (instance) => void released.push(instance));
    await deleteInstance(d, user, await instanceGetByUuid(db, user, uuid));
    assert.deepEqual(released, [{ uuid, project_id: 'p1', host: 'cmp1' }]);
    assert.deepEqual(casts, []);
    assert.deepEqual(memory.eventTypes(), ['compute.instance.delete.start', 'compute.instance.delete.end']);
    assert.ok(memory.messages.every((m) => m.publisher_id === 'compute.api1'));
    const gone = await instanceGetByUuid(db, adminContext('yes'), uuid);
    assert.equal(gone.vm_state, 'deleted');
    assert.equal(gone.task_state, null);
    assert.notEqual(gone.deleted, 0);
    assert.equal(await instanceInfoCacheGet(db, null, uuid), null);
  });

  it('keeps the server, in ERROR with a fault, when the network cannot be released', async () => {
    const uuid = await activeOnCmp1();
    const { d } = deps(async () => {
      throw new Error('nova-network unreachable');
    });
    await assert.rejects(deleteInstance(d, user, await instanceGetByUuid(db, user, uuid)), /nova-network unreachable/);
    const kept = await instanceGetByUuid(db, user, uuid);
    assert.equal(kept.vm_state, 'error');
    assert.equal(kept.task_state, null);
    const faults = await instanceFaultGetByInstanceUuids(db, null, [uuid]);
    assert.match(faults.get(uuid)?.[0]?.message ?? '', /nova-network unreachable/);
  });
});
