import { CertManager } from '../cert/manager.js';
import { computeManagerFromConf } from '../compute/manager/factory.js';
import { type ConductorAPI, LocalConductorAPI, RpcConductorAPI } from '../conductor/api.js';
import { DbConductor } from '../conductor/db.js';
import { ConductorManager } from '../conductor/manager.js';
import { commonOpts } from '../config/common-opts.js';
import type { Config } from '../config/config.js';
import { ConsoleAuthManager } from '../consoleauth/manager.js';
import type { Db } from '../db/api/common.js';
import { serviceRecordOpts } from '../db/opts.js';
import { NetworkManager } from '../network/manager.js';
import { notifierFromConf } from '../notifications/factory.js';
import { RpcClient } from '../rpc/client.js';
import { RpcServer } from '../rpc/server.js';
import type { Transport } from '../rpc/transport.js';
import { schedulerManagerFromConf } from '../scheduler/manager-factory.js';
import type { Manager } from '../service/manager.js';
import { conductorOpts, serviceOpts, topicOpts } from '../service/opts.js';
import { type ServeRpc, Service } from '../service/service.js';
import { ConductorServiceRecords } from '../servicegroup/conductor-records.js';
import { DbServiceRecords } from '../servicegroup/db-records.js';

/** What a process hands the services it runs. `db` is null in a process without database access. */
export interface RuntimeDeps {
  conf: Config;
  transport: Transport;
  db: Db | null;
}

interface BinaryDefinition {
  topic(conf: Config): string;
  /** nova-compute holds no database credentials: it reaches the database through the conductor. */
  dbAllowed: boolean;
  manager(host: string, deps: RuntimeDeps): Manager;
}

function requireDb(deps: RuntimeDeps, binary: string): Db {
  if (!deps.db) throw new Error(`${binary} needs the database`);
  return deps.db;
}

export const RPC_BINARIES = {
  'nova-conductor': {
    topic: (conf) => conf.get(conductorOpts).topic ?? 'conductor',
    dbAllowed: true,
    manager: (host, deps) =>
      new ConductorManager(
        host,
        new DbConductor(requireDb(deps, 'nova-conductor'), deps.conf.get(serviceRecordOpts).enable_new_services),
        notifierFromConf(deps.conf, deps.transport),
      ),
  },
  'nova-scheduler': {
    topic: (conf) => conf.get(topicOpts).scheduler_topic ?? 'scheduler',
    dbAllowed: true,
    manager: (host, deps) => schedulerManagerFromConf(host, requireDb(deps, 'nova-scheduler'), deps.conf, deps.transport),
  },
  'nova-compute': {
    topic: (conf) => conf.get(topicOpts).compute_topic ?? 'compute',
    dbAllowed: false,
    manager: (host, deps) => computeManagerFromConf(host, deps.conf, deps.transport, conductorFor(deps, host)),
  },
  'nova-network': {
    topic: (conf) => conf.get(topicOpts).network_topic ?? 'network',
    dbAllowed: true,
    manager: (host, deps) => new NetworkManager(host, { db: requireDb(deps, 'nova-network'), conf: deps.conf }),
  },
  'nova-cert': {
    topic: (conf) => conf.get(topicOpts).cert_topic ?? 'cert',
    dbAllowed: true,
    manager: (host, deps) => new CertManager(host, { db: requireDb(deps, 'nova-cert'), conf: deps.conf }),
  },
  'nova-consoleauth': {
    topic: (conf) => conf.get(topicOpts).consoleauth_topic ?? 'consoleauth',
    dbAllowed: true,
    manager: (host) => new ConsoleAuthManager(host),
  },
} satisfies Record<string, BinaryDefinition>;

export type RpcBinary = keyof typeof RPC_BINARIES;

export function isRpcBinary(name: string): name is RpcBinary {
  return Object.hasOwn(RPC_BINARIES, name);
}

/** The conductor a host without database access talks to: in-process when `[conductor] use_local`, else over the bus. */
export function conductorFor(deps: RuntimeDeps, host: string): ConductorAPI {
  const opts = deps.conf.get(conductorOpts);
  if (opts.use_local) {
    const manager = RPC_BINARIES['nova-conductor'].manager(host, deps) as ConductorManager;
    return new LocalConductorAPI(manager);
  }
  return new RpcConductorAPI(new RpcClient(deps.transport, opts.topic ?? 'conductor', '1.0'));
}

const serveRpc =
  (transport: Transport): ServeRpc =>
  async (topic, host, manager) => {
    const server = new RpcServer(transport, topic, host, manager);
    await server.start();
    return server;
  };

export function createService(binary: RpcBinary, deps: RuntimeDeps): Service {
  const def: BinaryDefinition = RPC_BINARIES[binary];
  const host = deps.conf.get(commonOpts).host ?? 'localhost';
  const s = deps.conf.get(serviceOpts);
  const manager = def.manager(host, deps);
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
    records,
    serveRpc: serveRpc(deps.transport),
    reportInterval: s.report_interval ?? 10,
    periodicEnable: s.periodic_enable,
    periodicFuzzyDelay: s.periodic_fuzzy_delay ?? 0,
    periodicIntervalMax: s.periodic_interval_max,
  });
}
