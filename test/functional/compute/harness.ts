import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createService, type RuntimeDeps } from '../../../src/cmd/service-table.js';
import { type ComputeClient, computeContract } from '../../../src/compute/contract.js';
import { ComputeManager, type ComputeManagerDeps } from '../../../src/compute/manager/index.js';
import { type ConductorClient, conductorContract } from '../../../src/conductor/contract.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import { adminContext, RequestContext } from '../../../src/context/context.js';
import { actionStart } from '../../../src/db/api/instance-actions.js';
import { type InstanceRecord, instanceCreate, instanceGetByUuid } from '../../../src/db/api/instances.js';
import { serviceCreate } from '../../../src/db/api/services.js';
import { type Database, openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { NetworkAPI } from '../../../src/network/api.js';
import { ensureDefaultNetwork } from '../../../src/network/bootstrap.js';
import { MemoryNotificationDriver } from '../../../src/notifications/drivers.js';
import { Notifier } from '../../../src/notifications/notifier.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { ContractClient } from '../../../src/rpc/contract-client.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { type SchedulerClient, schedulerContract } from '../../../src/scheduler/contract.js';
import { SchedulerManager } from '../../../src/scheduler/manager.js';
import { defaultSchedulerSettings, type SchedulerSettings } from '../../../src/scheduler/opts.js';
import type { InstanceProperties } from '../../../src/scheduler/types.js';
import type { Service } from '../../../src/service/service.js';
import { FakeDriver } from '../../../src/virt/fake/driver.js';

export interface Cloud {
  db: Database;
  conf: Config;
  transport: LocalTransport;
  notifications: MemoryNotificationDriver;
  notifier: Notifier;
  scheduler: SchedulerClient;
  compute: ComputeClient;
  /** A client of the cloud's conductor, over the bus. */
  conductor(): ConductorClient;
  computes: Map<string, { manager: ComputeManager; driver: FakeDriver; server: RpcServer }>;
  /** `deps` adds to or replaces what the compute manager is built from (config drive settings, say). */
  startCompute(host: string, driver?: FakeDriver, conductor?: ConductorClient, deps?: Partial<ComputeManagerDeps>): Promise<ComputeManager>;
  stopCompute(host: string): Promise<void>;
  close(): Promise<void>;
}

export function fakeDriver(host: string, memoryMb = 2048): FakeDriver {
  return new FakeDriver({ host, nodes: [host], vcpus: 4, memoryMb, localGb: 100, hostIp: '127.0.0.1', delaysMs: {} });
}

/** A whole cloud but the API in one process: SQLite, the local bus, conductor, network, scheduler, fake computes. */
export async function bootCloud(settings: Partial<SchedulerSettings> = {}): Promise<Cloud> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-compute-'));
  const db = await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`);
  await migrate(db, NOVA_REPOSITORY, novaMigrations);
  const conf = Config.load({
    overrides: { DEFAULT: { host: 'ctl', state_path: dir, periodic_enable: false, rpc_response_timeout: 10, report_interval: 60 } },
  });
  const transport = new LocalTransport({ bus: new LocalBus(), responseTimeout: 10 });
  const deps: RuntimeDeps = { conf, db, transport };
  const services: Service[] = [];
  for (const binary of ['nova-conductor', 'nova-network'] as const) {
    const s = createService(binary, deps);
    await s.start();
    services.push(s);
  }
  await ensureDefaultNetwork(db, conf);
  const notifications = new MemoryNotificationDriver();
  const notifier = new Notifier([notifications], { notifyOnStateChange: 'vm_and_task_state' });
  const compute = new ContractClient(transport, computeContract);
  const conductor = (): ConductorClient => new ContractClient(transport, conductorContract);
  const schedulerManager = new SchedulerManager('ctl', {
    db,
    settings: defaultSchedulerSettings(settings),
    compute,
    notifier,
    random: () => 0,
  });
  const schedulerServer = new RpcServer(transport, 'scheduler', 'ctl', contractEndpoint(schedulerContract, schedulerManager));
  await schedulerServer.start();
  const scheduler = new ContractClient(transport, schedulerContract);
  const computes: Cloud['computes'] = new Map();

  async function startCompute(
    host: string,
    driver = fakeDriver(host),
    conductorClient = conductor(),
    deps: Partial<ComputeManagerDeps> = {},
  ): Promise<ComputeManager> {
    const manager = new ComputeManager(host, {
      driver,
      conductor: conductorClient,
      network: NetworkAPI.fromConfig(conf, transport),
      scheduler,
      notifier,
      schedulerMaxAttempts: settings.scheduler_max_attempts ?? 3,
      ...deps,
    });
    await manager.initHost();
    try {
      await serviceCreate(db, adminContext(), { host, binary: 'nova-compute', topic: 'compute', report_count: 0 });
    } catch {
      // Restarted on the same host: the record is already there.
    }
    await manager.preStartHook();
    const server = new RpcServer(transport, 'compute', host, contractEndpoint(computeContract, manager));
    await server.start();
    computes.set(host, { manager, driver, server });
    return manager;
  }

  return {
    db,
    conf,
    transport,
    notifications,
    notifier,
    scheduler,
    compute,
    conductor,
    computes,
    startCompute,
    async stopCompute(host) {
      await computes.get(host)?.server.stop();
      computes.delete(host);
    },
    async close() {
      for (const c of computes.values()) await c.server.stop();
      await schedulerServer.stop();
      for (const s of services) await s.stop();
      await transport.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function userContext(): RequestContext {
  return new RequestContext({ userId: 'u1', projectId: 'p1', roles: ['member'] });
}

export interface Flavor {
  memory_mb: number;
  vcpus: number;
  root_gb: number;
}

/** What the compute API does before its cast: the instance row in BUILD/scheduling and its `create` action. */
export async function createInstanceRow(
  cloud: Cloud,
  ctx: RequestContext,
  flavor: Flavor,
  extra: Record<string, unknown> = {},
): Promise<InstanceRecord> {
  const instance = await instanceCreate(cloud.db, ctx, {
    user_id: ctx.userId,
    project_id: ctx.projectId,
    image_ref: 'img-1',
    display_name: 'srv',
    hostname: 'srv',
    vm_state: 'building',
    task_state: 'scheduling',
    power_state: 0,
    memory_mb: flavor.memory_mb,
    vcpus: flavor.vcpus,
    root_gb: flavor.root_gb,
    ephemeral_gb: 0,
    instance_type_id: 1,
    launch_index: 0,
    reservation_id: 'r-test',
    system_metadata: { instance_type_name: 'm1.test' },
    ...extra,
  });
  await actionStart(cloud.db, ctx, {
    action: 'create',
    instance_uuid: instance.uuid as string,
    request_id: ctx.requestId,
    user_id: ctx.userId,
    project_id: ctx.projectId,
  });
  return instance;
}

/** The scheduler cast the compute API makes for these instances. */
export async function requestBuild(cloud: Cloud, ctx: RequestContext, instances: InstanceRecord[], flavor: Flavor): Promise<void> {
  const first = instances[0] as InstanceRecord;
  await cloud.scheduler.cast(ctx, 'run_instance', {
    request_spec: {
      image: { id: 'img-1', name: 'cirros', size: 1024 },
      instance_properties: JSON.parse(JSON.stringify(first)) as InstanceProperties,
      instance_type: { ...flavor, ephemeral_gb: 0, flavorid: '1', name: 'm1.test', rxtx_factor: 1 },
      instance_uuids: instances.map((i) => i.uuid as string),
      num_instances: instances.length,
    },
    admin_password: 'secret',
    injected_files: [],
    requested_networks: null,
    is_first_time: true,
    filter_properties: { scheduler_hints: {} },
  });
}

/** Polls until the instance is at rest (no task) in a final vm_state, or gone. */
export async function waitForRest(cloud: Cloud, uuid: string, timeoutMs = 8000): Promise<InstanceRecord> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const inst = await instanceGetByUuid(cloud.db, adminContext(), uuid, { readDeleted: 'yes' });
    if (inst.task_state === null && inst.vm_state !== 'building') return inst;
    if (Date.now() > end) throw new Error(`instance ${uuid} still ${inst.vm_state}/${inst.task_state}`);
    await sleep(20);
  }
}

export async function faultsOf(cloud: Cloud, uuid: string) {
  return cloud.db.kysely.selectFrom('instance_faults').selectAll().where('instance_uuid', '=', uuid).execute();
}
