import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createService, type RpcBinary, type RuntimeDeps } from '../../../src/cmd/service-table.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import { adminContext } from '../../../src/context/context.js';
import { serviceGetAll } from '../../../src/db/api/services.js';
import { type Database, openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import type { Service } from '../../../src/service/service.js';
import { serviceIsUp } from '../../../src/servicegroup/db-driver.js';
import { ManualClock } from '../../support/manual-clock.js';

describe('services over the in-process bus and SQLite', () => {
  let db: Database;
  let deps: RuntimeDeps;
  const clock = new ManualClock();
  const services: Service[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-svc-'));
    db = await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`);
    await migrate(db, NOVA_REPOSITORY, novaMigrations);
    const conf = Config.load({
      overrides: {
        DEFAULT: {
          host: 'node1',
          state_path: dir,
          report_interval: 1,
          periodic_enable: false,
          rpc_response_timeout: 5,
          compute_driver: 'fake',
        },
      },
    });
    deps = { conf, db, clock, transport: new LocalTransport({ bus: new LocalBus(), responseTimeout: 5 }) };
  });

  after(async () => {
    for (const s of services) await s.stop();
    await deps.transport.close();
    await db.close();
  });

  async function start(binary: RpcBinary): Promise<Service> {
    const s = createService(binary, deps);
    await s.start();
    services.push(s);
    return s;
  }

  it('records every started service once, with its topic, and reports it up', async () => {
    for (const b of ['nova-conductor', 'nova-scheduler', 'nova-network', 'nova-cert', 'nova-consoleauth'] as const) await start(b);
    const rows = await serviceGetAll(db, adminContext());
    assert.deepEqual(rows.map((r) => `${r.binary}/${r.topic}/${r.host}`).sort(), [
      'nova-cert/cert/node1',
      'nova-conductor/conductor/node1',
      'nova-consoleauth/consoleauth/node1',
      'nova-network/network/node1',
      'nova-scheduler/scheduler/node1',
    ]);
    assert.ok(rows.every((r) => serviceIsUp(r, 60)));
  });

  it('lets nova-compute register and heartbeat through the conductor without database access', async () => {
    const compute = createService('nova-compute', { ...deps, db: null });
    await compute.start();
    services.push(compute);
    const row = (await serviceGetAll(db, adminContext())).find((r) => r.binary === 'nova-compute');
    assert.equal(row?.topic, 'compute');
    const before = row?.report_count ?? 0;
    await clock.advance(999);
    const early = (await serviceGetAll(db, adminContext())).find((r) => r.binary === 'nova-compute');
    assert.equal(early?.report_count, before, 'no heartbeat before report_interval has passed');
    await clock.advance(2001);
    const later = (await serviceGetAll(db, adminContext())).find((r) => r.binary === 'nova-compute');
    assert.equal(later?.report_count, before + 3, 'one heartbeat per report_interval');
  });

  it('reuses the existing record when a service restarts on the same host', async () => {
    const again = createService('nova-cert', deps);
    await again.start();
    await again.stop();
    const certs = (await serviceGetAll(db, adminContext())).filter((r) => r.binary === 'nova-cert');
    assert.equal(certs.length, 1);
  });
});
