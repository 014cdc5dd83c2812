/**
 * A Compute API with the servers, server-metadata and ips resources over a migrated SQLite
 * database, the real policy engine and quota engine, and RPC over a private local bus on
 * which recording endpoints stand in for the scheduler and one compute host.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoAuth2Strategy } from '../../../src/api/auth/noauth2.js';
import { ipsResource } from '../../../src/api/openstack/compute/ips.js';
import { serverMetadataResource } from '../../../src/api/openstack/compute/server-metadata.js';
import { serversResource } from '../../../src/api/openstack/compute/servers.js';
import { type RunningApi, startComputeApi } from '../../../src/api/server.js';
import { ImageNotFound, NetworkNotFound } from '../../../src/common/errors.js';
import { dbFlavorLookup, dbKeypairLookup } from '../../../src/compute/api/adapters.js';
import { ComputeAPI, type ImageMeta } from '../../../src/compute/api/index.js';
import { AvailabilityZoneAPI } from '../../../src/compute/availability-zones.js';
import { type ComputeContract, type ComputeEndpoint, computeContract } from '../../../src/compute/contract.js';
import { seedDefaultFlavors } from '../../../src/compute/flavors.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import type { RequestContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import { openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { createDbQuotaEngine } from '../../../src/quota/db-store.js';
import { type ArgsOf, contractEndpoint } from '../../../src/rpc/contract.js';
import { ContractClient } from '../../../src/rpc/contract-client.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { type SchedulerContract, type SchedulerEndpoint, schedulerContract } from '../../../src/scheduler/contract.js';

export const IMAGE_ACTIVE = '70a599e0-31e7-49b7-b260-868f441e862b';
export const IMAGE_QUEUED = '11111111-2222-4333-8444-555555555555';
export const IMAGE_BIG_RAM = '22222222-3333-4444-8555-666666666666';
export const IMAGE_HUGE = '33333333-4444-4555-8666-777777777777';
export const NETWORK_OK = 'a1b2c3d4-0000-4000-8000-000000000001';

const IMAGES: Record<string, ImageMeta> = {
  [IMAGE_ACTIVE]: {
    id: IMAGE_ACTIVE,
    name: 'cirros',
    status: 'active',
    size: 13_000_000,
    min_ram: 0,
    min_disk: 0,
    disk_format: 'qcow2',
    container_format: 'bare',
    properties: { os_type: 'linux', architecture: 'x86_64' },
  },
  [IMAGE_QUEUED]: { id: IMAGE_QUEUED, name: 'queued', status: 'queued', size: 0 },
  [IMAGE_BIG_RAM]: { id: IMAGE_BIG_RAM, name: 'needs-ram', status: 'active', size: 1000, min_ram: 4096, min_disk: 0 },
  [IMAGE_HUGE]: { id: IMAGE_HUGE, name: 'huge', status: 'active', size: 50 * 1024 * 1024 * 1024, min_ram: 0, min_disk: 0 },
};

export interface Recorded {
  method: string;
  ctx: RequestContext;
  args: Record<string, unknown>;
}

/** Keeps every cast an endpoint received and wakes whoever waits for one. */
class Recorder {
  readonly calls: Recorded[] = [];
  #waiters: Array<() => void> = [];

  protected record(call: Recorded): void {
    this.calls.push(call);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves with the casts of `method` once there are `n`; rejects after `timeoutMs` to end a failing test. */
  async whenCalled(method: string, n: number, timeoutMs = 5000): Promise<Recorded[]> {
    const seen = () => this.calls.filter((c) => c.method === method);
    const deadline = Date.now() + timeoutMs;
    while (seen().length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${n} ${method} casts, saw ${seen().length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return seen();
  }
}

class RecordingScheduler extends Recorder implements SchedulerEndpoint {
  async run_instance(ctx: RequestContext, args: ArgsOf<SchedulerContract, 'run_instance'>): Promise<void> {
    this.record({ method: 'run_instance', ctx, args: { ...args } });
  }
  async select_hosts(ctx: RequestContext, args: ArgsOf<SchedulerContract, 'select_hosts'>): Promise<string[]> {
    this.record({ method: 'select_hosts', ctx, args: { ...args } });
    return [];
  }
  async live_migration(ctx: RequestContext, args: ArgsOf<SchedulerContract, 'live_migration'>): Promise<void> {
    this.record({ method: 'live_migration', ctx, args: { ...args } });
  }
  async prep_resize(ctx: RequestContext, args: ArgsOf<SchedulerContract, 'prep_resize'>): Promise<void> {
    this.record({ method: 'prep_resize', ctx, args: { ...args } });
  }
  async update_service_capabilities(ctx: RequestContext, args: ArgsOf<SchedulerContract, 'update_service_capabilities'>): Promise<void> {
    this.record({ method: 'update_service_capabilities', ctx, args: { ...args } });
  }
}

/** A compute host that records the requests it receives and builds nothing. */
class RecordingCompute extends Recorder implements ComputeEndpoint {
  async run_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'run_instance'>): Promise<void> {
    this.record({ method: 'run_instance', ctx, args: { ...args } });
  }
  async terminate_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'terminate_instance'>): Promise<void> {
    this.record({ method: 'terminate_instance', ctx, args: { ...args } });
  }
  async change_instance_metadata(ctx: RequestContext, args: ArgsOf<ComputeContract, 'change_instance_metadata'>): Promise<void> {
    this.record({ method: 'change_instance_metadata', ctx, args: { ...args } });
  }
  async reboot_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'reboot_instance'>): Promise<void> {
    this.record({ method: 'reboot_instance', ctx, args: { ...args } });
  }
  async stop_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'stop_instance'>): Promise<void> {
    this.record({ method: 'stop_instance', ctx, args: { ...args } });
  }
  async start_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'start_instance'>): Promise<void> {
    this.record({ method: 'start_instance', ctx, args: { ...args } });
  }
  async pause_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'pause_instance'>): Promise<void> {
    this.record({ method: 'pause_instance', ctx, args: { ...args } });
  }
  async unpause_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'unpause_instance'>): Promise<void> {
    this.record({ method: 'unpause_instance', ctx, args: { ...args } });
  }
  async suspend_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'suspend_instance'>): Promise<void> {
    this.record({ method: 'suspend_instance', ctx, args: { ...args } });
  }
  async resume_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'resume_instance'>): Promise<void> {
    this.record({ method: 'resume_instance', ctx, args: { ...args } });
  }
  async rescue_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'rescue_instance'>): Promise<void> {
    this.record({ method: 'rescue_instance', ctx, args: { ...args } });
  }
  async unrescue_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'unrescue_instance'>): Promise<void> {
    this.record({ method: 'unrescue_instance', ctx, args: { ...args } });
  }
  async inject_network_info(ctx: RequestContext, args: ArgsOf<ComputeContract, 'inject_network_info'>): Promise<void> {
    this.record({ method: 'inject_network_info', ctx, args: { ...args } });
  }
  async reset_network(ctx: RequestContext, args: ArgsOf<ComputeContract, 'reset_network'>): Promise<void> {
    this.record({ method: 'reset_network', ctx, args: { ...args } });
  }
  async rebuild_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'rebuild_instance'>): Promise<void> {
    this.record({ method: 'rebuild_instance', ctx, args: { ...args } });
  }
  async prep_resize(ctx: RequestContext, args: ArgsOf<ComputeContract, 'prep_resize'>): Promise<void> {
    this.record({ method: 'prep_resize', ctx, args: { ...args } });
  }
  async resize_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'resize_instance'>): Promise<void> {
    this.record({ method: 'resize_instance', ctx, args: { ...args } });
  }
  async finish_resize(ctx: RequestContext, args: ArgsOf<ComputeContract, 'finish_resize'>): Promise<void> {
    this.record({ method: 'finish_resize', ctx, args: { ...args } });
  }
  async confirm_resize(ctx: RequestContext, args: ArgsOf<ComputeContract, 'confirm_resize'>): Promise<void> {
    this.record({ method: 'confirm_resize', ctx, args: { ...args } });
  }
  async revert_resize(ctx: RequestContext, args: ArgsOf<ComputeContract, 'revert_resize'>): Promise<void> {
    this.record({ method: 'revert_resize', ctx, args: { ...args } });
  }
  async finish_revert_resize(ctx: RequestContext, args: ArgsOf<ComputeContract, 'finish_revert_resize'>): Promise<void> {
    this.record({ method: 'finish_revert_resize', ctx, args: { ...args } });
  }
  async snapshot_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'snapshot_instance'>): Promise<void> {
    this.record({ method: 'snapshot_instance', ctx, args: { ...args } });
  }
  async soft_delete_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'soft_delete_instance'>): Promise<void> {
    this.record({ method: 'soft_delete_instance', ctx, args: { ...args } });
  }
  async restore_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'restore_instance'>): Promise<void> {
    this.record({ method: 'restore_instance', ctx, args: { ...args } });
  }
  async shelve_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'shelve_instance'>): Promise<void> {
    this.record({ method: 'shelve_instance', ctx, args: { ...args } });
  }
  async shelve_offload_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'shelve_offload_instance'>): Promise<void> {
    this.record({ method: 'shelve_offload_instance', ctx, args: { ...args } });
  }
  async unshelve_instance(ctx: RequestContext, args: ArgsOf<ComputeContract, 'unshelve_instance'>): Promise<void> {
    this.record({ method: 'unshelve_instance', ctx, args: { ...args } });
  }
  async set_admin_password(ctx: RequestContext, args: ArgsOf<ComputeContract, 'set_admin_password'>): Promise<void> {
    this.record({ method: 'set_admin_password', ctx, args: { ...args } });
  }
  async get_console_output(ctx: RequestContext, args: ArgsOf<ComputeContract, 'get_console_output'>): Promise<string> {
    this.record({ method: 'get_console_output', ctx, args: { ...args } });
    return '';
  }
  async get_diagnostics(ctx: RequestContext, args: ArgsOf<ComputeContract, 'get_diagnostics'>): Promise<Record<string, number> | null> {
    this.record({ method: 'get_diagnostics', ctx, args: { ...args } });
    return null;
  }
  async validate_console_port(ctx: RequestContext, args: ArgsOf<ComputeContract, 'validate_console_port'>): Promise<boolean> {
    this.record({ method: 'validate_console_port', ctx, args: { ...args } });
    return false;
  }
  async set_host_enabled(ctx: RequestContext, args: ArgsOf<ComputeContract, 'set_host_enabled'>): Promise<'enabled' | 'disabled'> {
    this.record({ method: 'set_host_enabled', ctx, args: { ...args } });
    return args.enabled ? 'enabled' : 'disabled';
  }
  async host_power_action(ctx: RequestContext, args: ArgsOf<ComputeContract, 'host_power_action'>): Promise<string> {
    this.record({ method: 'host_power_action', ctx, args: { ...args } });
    return args.action;
  }
  async host_maintenance_mode(
    ctx: RequestContext,
    args: ArgsOf<ComputeContract, 'host_maintenance_mode'>,
  ): Promise<'on_maintenance' | 'off_maintenance'> {
    this.record({ method: 'host_maintenance_mode', ctx, args: { ...args } });
    return args.mode ? 'on_maintenance' : 'off_maintenance';
  }
  async get_host_uptime(ctx: RequestContext): Promise<string> {
    this.record({ method: 'get_host_uptime', ctx, args: {} });
    return ' 00:00:00 up 0 min,  0 users,  load average: 0.00, 0.00, 0.00';
  }
  async refresh_security_group_rules(ctx: RequestContext, args: ArgsOf<ComputeContract, 'refresh_security_group_rules'>): Promise<void> {
    this.record({ method: 'refresh_security_group_rules', ctx, args: { ...args } });
  }
  async refresh_security_group_members(
    ctx: RequestContext,
    args: ArgsOf<ComputeContract, 'refresh_security_group_members'>,
  ): Promise<void> {
    this.record({ method: 'refresh_security_group_members', ctx, args: { ...args } });
  }
  async refresh_instance_security_rules(
    ctx: RequestContext,
    args: ArgsOf<ComputeContract, 'refresh_instance_security_rules'>,
  ): Promise<void> {
    this.record({ method: 'refresh_instance_security_rules', ctx, args: { ...args } });
  }
  async check_can_live_migrate_destination(
    ctx: RequestContext,
    args: ArgsOf<ComputeContract, 'check_can_live_migrate_destination'>,
  ): Promise<Record<string, unknown>> {
    this.record({ method: 'check_can_live_migrate_destination', ctx, args: { ...args } });
    return {};
  }
  async check_can_live_migrate_source(
    ctx: RequestContext,
    args: ArgsOf<ComputeContract, 'check_can_live_migrate_source'>,
  ): Promise<Record<string, unknown>> {
    this.record({ method: 'check_can_live_migrate_source', ctx, args: { ...args } });
    return {};
  }
  async live_migration(ctx: RequestContext, args: ArgsOf<ComputeContract, 'live_migration'>): Promise<void> {
    this.record({ method: 'live_migration', ctx, args: { ...args } });
  }
  async pre_live_migration(ctx: RequestContext, args: ArgsOf<ComputeContract, 'pre_live_migration'>): Promise<void> {
    this.record({ method: 'pre_live_migration', ctx, args: { ...args } });
  }
  async post_live_migration_at_destination(
    ctx: RequestContext,
    args: ArgsOf<ComputeContract, 'post_live_migration_at_destination'>,
  ): Promise<void> {
    this.record({ method: 'post_live_migration_at_destination', ctx, args: { ...args } });
  }
  async rollback_live_migration_at_destination(
    ctx: RequestContext,
    args: ArgsOf<ComputeContract, 'rollback_live_migration_at_destination'>,
  ): Promise<void> {
    this.record({ method: 'rollback_live_migration_at_destination', ctx, args: { ...args } });
  }
}

export interface Harness {
  base: string;
  db: Db;
  scheduler: RecordingScheduler;
  compute: RecordingCompute;
  close(): Promise<void>;
  call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; headers: Headers; json: any }>;
  /** Waits until the recording endpoints have seen `n` casts of `method`. */
  waitFor(endpoint: Recorder, method: string, n: number): Promise<Recorded[]>;
}

export async function startHarness(overrides: Record<string, string | number> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-servers-'));
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, '{}');
  const conf = Config.load({
    overrides: {
      DEFAULT: {
        osapi_compute_listen: '127.0.0.1',
        osapi_compute_listen_port: 0,
        auth_strategy: 'noauth2',
        policy_file: policyFile,
        ...overrides,
      },
    },
  });
  const db = (await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`)) as Db;
  await migrate(db, NOVA_REPOSITORY, novaMigrations);
  await seedDefaultFlavors(db);

  const bus = new LocalBus();
  const transport = new LocalTransport({ bus, responseTimeout: 5 });
  const scheduler = new RecordingScheduler();
  const compute = new RecordingCompute();
  const schedulerServer = new RpcServer(transport, 'scheduler', 'sched1', contractEndpoint(schedulerContract, scheduler));
  const computeServer = new RpcServer(transport, 'compute', 'host1', contractEndpoint(computeContract, compute));
  await schedulerServer.start();
  await computeServer.start();

  const policy = new PolicyEnforcer(conf);
  const computeApi = new ComputeAPI({
    db,
    conf,
    quota: createDbQuotaEngine(conf, db),
    policy,
    images: {
      show: async (_ctx, id) => {
        const image = IMAGES[id];
        if (!image) throw new ImageNotFound(`Image ${id} could not be found.`);
        return image;
      },
    },
    flavors: dbFlavorLookup(db),
    keypairs: dbKeypairLookup(db),
    network: {
      validateNetworks: async (_ctx, requested) => {
        for (const [uuid] of requested) if (uuid !== NETWORK_OK) throw new NetworkNotFound(`Network ${uuid} could not be found.`);
      },
    },
    // No network service here: servers of this harness never reach a host, so they hold no addresses.
    networkRelease: { deallocateForInstance: async () => {} },
    scheduler: new ContractClient(transport, schedulerContract),
    compute: new ContractClient(transport, computeContract),
  });
  const api: RunningApi = await startComputeApi(conf, {
    auth: new NoAuth2Strategy(),
    policy,
    resources: [
      serversResource({ conf, compute: computeApi, flavors: dbFlavorLookup(db), zones: new AvailabilityZoneAPI(db, conf) }),
      serverMetadataResource({ compute: computeApi }),
      ipsResource({ compute: computeApi }),
    ],
  });

  const call: Harness['call'] = async (method, path, token, body) => {
    const headers: Record<string, string> = { 'X-Auth-Token': token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${api.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) };
  };

  const waitFor: Harness['waitFor'] = (endpoint, method, n) => endpoint.whenCalled(method, n);

  return {
    base: api.url,
    db,
    scheduler,
    compute,
    call,
    waitFor,
    async close() {
      await api.close();
      await schedulerServer.stop();
      await computeServer.stop();
      await transport.close?.();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
