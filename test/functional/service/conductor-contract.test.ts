/**
 * The conductor as compute hosts reach it: over the bus and in-process (`use_local`),
 * through the same contract. Arguments that do not match it are refused with a typed
 * error before anything runs; datetimes come back as Dates; remote errors keep their class.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InstanceNotFound } from '../../../src/common/errors.js';
import { type ConductorClient, conductorContract } from '../../../src/conductor/contract.js';
import { KeyError } from '../../../src/conductor/errors.js';
import { ConductorManager } from '../../../src/conductor/manager.js';
import type { InstanceUpdates } from '../../../src/conductor/types.js';
import { adminContext, RequestContext } from '../../../src/context/context.js';
import { instanceCreate, instanceGetByUuid } from '../../../src/db/api/instances.js';
import { type Database, openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { ContractClient, localClient } from '../../../src/rpc/contract-client.js';
import { InvalidRpcArguments } from '../../../src/rpc/errors.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';

describe('the conductor contract', () => {
  let dir: string;
  let db: Database;
  let transport: LocalTransport;
  let server: RpcServer;
  let manager: ConductorManager;
  let uuid: string;
  const ctx = new RequestContext({ userId: 'u1', projectId: 'p1' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nova-conductor-'));
    db = await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`);
    await migrate(db, NOVA_REPOSITORY, novaMigrations);
    transport = new LocalTransport({ bus: new LocalBus(), responseTimeout: 5 });
    manager = new ConductorManager('ctl', db, { enableNewServices: true });
    server = new RpcServer(transport, 'conductor', 'ctl', contractEndpoint(conductorContract, manager));
    await server.start();
    const instance = await instanceCreate(db, adminContext(), {
      project_id: 'p1',
      user_id: 'u1',
      vm_state: 'building',
      task_state: 'scheduling',
      memory_mb: 512,
      vcpus: 1,
    });
    uuid = instance.uuid as string;
  });

  after(async () => {
    await server.stop();
    await transport.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const clients: [string, () => ConductorClient][] = [
    ['over the bus', () => new ContractClient(transport, conductorContract)],
    ['in-process (use_local)', () => localClient(conductorContract, manager)],
  ];

  for (const [how, client] of clients) {
    it(`${how}: instance_update writes, and the result's datetimes are Dates`, async () => {
      const launched = new Date('2013-05-01T10:00:00.000Z');
      const after = await client().call(ctx, 'instance_update', {
        instance_uuid: uuid,
        updates: { power_state: 1, launched_at: launched },
        service: 'conductor',
      });
      assert.ok(after.launched_at instanceof Date && after.created_at instanceof Date);
      assert.equal(after.launched_at.toISOString(), launched.toISOString());
      assert.equal((await instanceGetByUuid(db, adminContext(), uuid)).power_state, 1);
    });

    it(`${how}: a column outside the whitelist is KeyError, an unknown instance InstanceNotFound`, async () => {
      const bogus = { hostname: 'evil' } as unknown as InstanceUpdates;
      await assert.rejects(client().call(ctx, 'instance_update', { instance_uuid: uuid, updates: bogus, service: null }), KeyError);
      await assert.rejects(client().call(ctx, 'instance_get_by_uuid', { instance_uuid: 'no-such-instance' }), InstanceNotFound);
    });
  }

  it('refuses arguments that do not match the contract with InvalidRpcArguments, before the method runs', async () => {
    // What a compromised or broken host could send: the typed client would not let these compile.
    const raw = new RpcClient(transport, 'conductor', '1.0');
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['instance_update', { instance_uuid: 7, updates: {}, service: null }, /instance_uuid must be string/],
      ['instance_update', { instance_uuid: uuid, updates: { task_state: 'napping' }, service: null }, /updates\.task_state/],
      ['instance_update', { instance_uuid: uuid, updates: { launched_at: 'yesterday' }, service: null }, /'yesterday' is not a datetime/],
      ['instance_destroy', { instance: { name: 'no uuid' } }, /instance must have required property 'uuid'/],
      ['compute_node_update', { node: { id: '1; DROP TABLE' }, values: {}, prune_stats: false }, /node\.id must be integer/],
      ['instance_fault_create', { values: { instance_uuid: uuid, code: 'x', message: 'm' } }, /values\.code must be integer/],
    ];
    for (const [method, args, reason] of cases) {
      await assert.rejects(
        raw.call(ctx, method, args, { version: '1.38' }),
        (err: unknown) => err instanceof InvalidRpcArguments && reason.test(err.message),
        `${method} ${JSON.stringify(args)}`,
      );
    }
    const row = await instanceGetByUuid(db, adminContext(), uuid);
    assert.equal(row.task_state, 'scheduling');
    assert.equal(row.deleted, 0);
  });
});
