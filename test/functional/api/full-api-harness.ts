/**
 * The compute API with every resource nova-ts serves, composed as the binaries compose it
 * (src/cmd/compute-resources.ts): a migrated SQLite database, a test image service, a
 * network manager and a cert manager (its CAs under the harness's temp state_path) on a
 * private local bus, noauth2 tokens. Casts to the scheduler and to compute hosts go
 * nowhere, so created servers stay in BUILD.
 */
import { sql } from 'kysely';
import { RouteTable } from '../../../src/api/openstack/routing.js';
import { certContract } from '../../../src/cert/contract.js';
import { CertManager } from '../../../src/cert/manager.js';
import { computeResourcesFor } from '../../../src/cmd/compute-resources.js';
import { seedDefaultFlavors } from '../../../src/compute/flavors.js';
import { GlanceImageService } from '../../../src/image/glance-client.js';
import { networkContract } from '../../../src/network/contract.js';
import { NoopLinuxNet } from '../../../src/network/linux-net.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { noauthContext, startTestImageService, type TestImageService } from '../image/harness.js';
import { type ComputeHarness, startComputeHarness } from './compute-harness.js';

export interface FullApi {
  api: ComputeHarness;
  glance: TestImageService;
  /** Every route a body can be sent to, as declared (relative to the version root). */
  bodyRoutes: ReturnType<RouteTable['bodyRoutes']>;
  /** Rows inserted, updated or deleted in the Nova database since it was opened. */
  databaseChanges(): Promise<number>;
  close(): Promise<void>;
}

export async function startFullApi(): Promise<FullApi> {
  const glance = await startTestImageService({ authenticate: noauthContext });
  const transport = new LocalTransport({ bus: new LocalBus(), responseTimeout: 5 });
  const table = new RouteTable();
  const api = await startComputeHarness({
    resources: (services, db) => {
      const modules = computeResourcesFor(
        { conf: services.conf, db, transport, close: async () => {} },
        {
          policy: new PolicyEnforcer(services.conf),
          images: new GlanceImageService({ apiServers: [glance.url] }),
          imageEndpoint: glance.url,
        },
      );
      for (const module of modules) module.register(table);
      return modules;
    },
  });
  await seedDefaultFlavors(api.db);
  const network = new RpcServer(
    transport,
    'network',
    'nethost',
    contractEndpoint(networkContract, new NetworkManager('nethost', { db: api.db, conf: api.conf, driver: new NoopLinuxNet() })),
  );
  await network.start();
  const certManager = new CertManager('certhost', { db: api.db, conf: api.conf });
  await certManager.initHost();
  const cert = new RpcServer(transport, 'cert', 'certhost', contractEndpoint(certContract, certManager));
  await cert.start();
  return {
    api,
    glance,
    bodyRoutes: table.bodyRoutes(),
    async databaseChanges() {
      const result = await sql<{ n: number }>`select total_changes() as n`.execute(api.db.kysely);
      return Number(result.rows[0]?.n);
    },
    async close() {
      await cert.stop();
      await network.stop();
      await api.close();
      await transport.close?.();
      await glance.close();
    },
  };
}
