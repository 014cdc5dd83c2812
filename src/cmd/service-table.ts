import { certContract } from '../cert/contract.js';
import { CertManager } from '../cert/manager.js';
import type { Clock } from '../common/clock.js';
import { computeContract } from '../compute/contract.js';
import { computeManagerFromConf } from '../compute/manager/factory.js';
import { SecurityGroupAPI } from '../compute/security-groups.js';
import { type ConductorClient, conductorContract } from '../conductor/contract.js';
import { ConductorManager } from '../conductor/manager.js';
import { commonOpts } from '../config/common-opts.js';
import type { Config } from '../config/config.js';
import { consoleAuthContract } from '../consoleauth/contract.js';
import { ConsoleAuthManager } from '../consoleauth/manager.js';
import { consoleAuthOpts } from '../consoleauth/opts.js';
import type { Db } from '../db/api/common.js';
import { serviceRecordOpts } from '../db/opts.js';
import { networkContract } from '../network/contract.js';
import { NetworkManager } from '../network/manager.js';
import { notifierFromConf } from '../notifications/factory.js';
import { createDbQuotaEngine } from '../quota/db-store.js';
import { type AnyContract, contractEndpoint, type Endpoint } from '../rpc/contract.js';
import { ContractClient, localClient } from '../rpc/contract-client.js';
import type { RpcEndpoint } from '../rpc/dispatcher.js';
import { RpcServer } from '../rpc/server.js';
import type { Transport } from '../rpc/transport.js';
import { schedulerContract } from '../scheduler/contract.js';
import { schedulerManagerFromConf } from '../scheduler/manager-factory.js';
import type { Manager } from '../service/manager.js';
import { conductorOpts, serviceOpts, topicOpts } from '../service/opts.js';
import { type ServeRpc, Service } from '../service/service.js';
import { ConductorServiceRecords } from '../servicegroup/conductor-records.js';
import { DbServiceRecords } from '../servicegroup/db-records.js';
import { serviceGroupFromConf } from '../servicegroup/factory.js';

/** What a process hands the services it runs. `db` is null in a process without database access. */
export interface RuntimeDeps {
  conf: Config;
  transport: Transport;
  db: Db | null;
  /** The clock of heartbeats and periodic tasks; the system clock when absent. */
  clock?: Clock;
}

/** A service's manager, and the endpoint that serves it under its topic's contract. */
interface Served {
  manager: Manager;
  endpoint: RpcEndpoint;
}

interface BinaryDefinition {
  topic(conf: Config): string;
  /** nova-compute holds no database credentials: it reaches the database through the conductor. */
  dbAllowed: boolean;
  build(host: string, deps: RuntimeDeps): Served;
}

/** Serves `manager` under `contract`; a manager that does not implement the contract does not compile. */
function served<C extends AnyContract, M extends Manager & Endpoint<C>>(contract: C, manager: M): Served {
  return { manager, endpoint: contractEndpoint(contract, manager) };
}

function requireDb(deps: RuntimeDeps, binary: string): Db {
  if (!deps.db) throw new Error(`${binary} needs the database`);
  return deps.db;
}

function conductorManager(host: string, deps: RuntimeDeps): ConductorManager {
  return new ConductorManager(host, requireDb(deps, 'nova-conductor'), {
    enableNewServices: deps.conf.get(serviceRecordOpts).enable_new_services,
    notifier: notifierFromConf(deps.conf, deps.transport),
    computeTasks: {
      scheduler: new ContractClient(deps.transport, schedulerContract, deps.conf.get(topicOpts).scheduler_topic ?? 'scheduler'),
      compute: new ContractClient(deps.transport, computeContract, deps.conf.get(topicOpts).compute_topic ?? 'compute'),
    },
  });
}

export const RPC_BINARIES = {
  'nova-conductor': {
    topic: (conf) => conf.get(conductorOpts).topic ?? 'conductor',
    dbAllowed: true,
    build: (host, deps) => served(conductorContract, conductorManager(host, deps)),
  },
  'nova-scheduler': {
    topic: (conf) => conf.get(topicOpts).scheduler_topic ?? 'scheduler',
    dbAllowed: true,
    build: (host, deps) =>
      served(schedulerContract, schedulerManagerFromConf(host, requireDb(deps, 'nova-scheduler'), deps.conf, deps.transport)),
  },
  'nova-compute': {
    topic: (conf) => conf.get(topicOpts).compute_topic ?? 'compute',
    dbAllowed: false,
    build: (host, deps) =>
      served(computeContract, computeManagerFromConf(host, deps.conf, deps.transport, conductorFor(deps, host), deps.clock)),
  },
  'nova-network': {
    topic: (conf) => conf.get(topicOpts).network_topic ?? 'network',
    dbAllowed: true,
    build: (host, deps) => {
      const db = requireDb(deps, 'nova-network');
      const quota = createDbQuotaEngine(deps.conf, db);
      const compute = new ContractClient(deps.transport, computeContract, deps.conf.get(topicOpts).compute_topic ?? 'compute');
      const securityGroups = new SecurityGroupAPI(db, quota, compute);
      return served(
        networkContract,
        new NetworkManager(host, {
          db,
          conf: deps.conf,
          quota,
          notifier: notifierFromConf(deps.conf, deps.transport),
          membersRefresh: (ctx, uuid) => securityGroups.triggerMembersRefreshForInstance(ctx, uuid),
          rpc: new ContractClient(deps.transport, networkContract, deps.conf.get(topicOpts).network_topic ?? 'network'),
        }),
      );
    },
  },
  'nova-cert': {
    topic: (conf) => conf.get(topicOpts).cert_topic ?? 'cert',
    dbAllowed: true,
    build: (host, deps) => served(certContract, new CertManager(host, { db: requireDb(deps, 'nova-cert'), conf: deps.conf })),
  },
  'nova-consoleauth': {
    topic: (conf) => conf.get(topicOpts).consoleauth_topic ?? 'consoleauth',
    dbAllowed: true,
    build: (host, deps) =>
      served(
        consoleAuthContract,
        new ConsoleAuthManager(host, {
          tokenTtl: deps.conf.get(consoleAuthOpts).console_token_ttl ?? 600,
          conductor: conductorFor(deps, host),
          compute: new ContractClient(deps.transport, computeContract, deps.conf.get(topicOpts).compute_topic ?? 'compute'),
        }),
      ),
  },
} satisfies Record<string, BinaryDefinition>;

export type RpcBinary = keyof typeof RPC_BINARIES;

export function isRpcBinary(name: string): name is RpcBinary {
  return Object.hasOwn(RPC_BINARIES, name);
}

/**
 * The conductor a service talks to: in-process when `[conductor] use_local` (through the
 * same argument validation as over the bus), else over the bus.
 */
export function conductorFor(deps: RuntimeDeps, host: string): ConductorClient {
  const opts = deps.conf.get(conductorOpts);
  if (opts.use_local) return localClient(conductorContract, conductorManager(host, deps));
  return new ContractClient(deps.transport, conductorContract, opts.topic ?? 'conductor');
}

const serveRpc =
  (transport: Transport): ServeRpc =>
  async (topic, host, endpoint) => {
    const server = new RpcServer(transport, topic, host, endpoint);
    await server.start();
    return server;
  };

export function createService(binary: RpcBinary, deps: RuntimeDeps): Service {
  const def: BinaryDefinition = RPC_BINARIES[binary];
  const host = deps.conf.get(commonOpts).host ?? 'localhost';
  const s = deps.conf.get(serviceOpts);
  const { manager, endpoint } = def.build(host, deps);
  manager.setRunExternalTasks(s.run_external_periodic_tasks);
  const records =
    def.dbAllowed && deps.db
      ? new DbServiceRecords(deps.db, deps.conf.get(serviceRecordOpts).enable_new_services)
      : new ConductorServiceRecords(conductorFor(deps, host));
  return new Service({
    binary,
    topic: def.topic(deps.conf),
    host,
    manager,
    endpoint,
    records,
    serveRpc: serveRpc(deps.transport),
    reportInterval: s.report_interval ?? 10,
    periodicEnable: s.periodic_enable,
    periodicFuzzyDelay: s.periodic_fuzzy_delay ?? 0,
    periodicIntervalMax: s.periodic_interval_max,
    clock: deps.clock,
    heartbeat: serviceGroupFromConf(deps.conf).heartbeat,
  });
}
