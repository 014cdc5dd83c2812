/**
 * What os-cloudpipe and `nova-manage vpn` do: list the VPN instances with the public
 * address and port their project's network forwards to them and whether OpenVPN answers
 * there, launch one for a project that has none, and set a project's VPN address/port.
 */
import { NotFound } from '../common/errors.js';
import type { ComputeAPI, InstanceRecord } from '../compute/api/index.js';
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { networkGetByUuid } from '../db/api/networks.js';
import { fixedIps, hydrateNetworkInfo, type NetworkInfo } from '../virt/network-model.js';
import { CloudpipeNotConfigured } from './errors.js';
import { cloudpipeOpts } from './opts.js';
import type { CloudPipe } from './pipelib.js';
import { setProjectVpn } from './project-vpn.js';
import { vpnPing } from './vpn-ping.js';

export type VpnState = 'running' | 'down' | 'invalid' | 'pending';

export interface CloudpipeEntry {
  project_id: string;
  instance_id?: string;
  created_at?: string;
  internal_ip?: string;
  public_ip?: string | null;
  public_port?: number | null;
  state?: VpnState;
}

export interface CloudpipeApiDeps {
  conf: Config;
  db: Db;
  compute: Pick<ComputeAPI, 'getAll'>;
  pipe: Pick<CloudPipe, 'launchVpnInstance'>;
  /** Whether OpenVPN answers at address:port (the UDP probe, replaced in tests). */
  ping?: (address: string, port: number) => Promise<boolean>;
}

function isoZ(at: Date | null | undefined): string | undefined {
  return at ? `${at.toISOString().slice(0, 19)}Z` : undefined;
}

function networkInfoOf(instance: InstanceRecord): NetworkInfo {
  try {
    return hydrateNetworkInfo(instance.info_cache?.network_info ?? '[]');
  } catch {
    return [];
  }
}

export class CloudpipeAPI {
  readonly #ping: (address: string, port: number) => Promise<boolean>;

  constructor(private readonly deps: CloudpipeApiDeps) {
    this.#ping = deps.ping ?? ((address, port) => vpnPing(address, port));
  }

  #vpnImageId(): string | null {
    const id = this.deps.conf.get(cloudpipeOpts).vpn_image_id;
    return id && id !== '0' ? id : null;
  }

  /** Live VPN instances the caller can see, oldest first. */
  async vpnInstances(ctx: RequestContext): Promise<InstanceRecord[]> {
    const imageId = this.#vpnImageId();
    if (imageId === null) return [];
    const all = await this.deps.compute.getAll(ctx, { image: imageId, deleted: false }, { sortKeys: ['created_at'], sortDirs: ['asc'] });
    return all.filter((i) => i.image_ref === imageId);
  }

  async #entry(ctx: RequestContext, instance: InstanceRecord): Promise<CloudpipeEntry> {
    const entry: CloudpipeEntry = {
      project_id: instance.project_id ?? '',
      instance_id: instance.uuid as string,
      created_at: isoZ(instance.created_at),
    };
    const vif = networkInfoOf(instance)[0];
    if (!vif) return entry;
    const v4 = fixedIps(vif).find((ip) => ip.version === 4);
    if (v4) entry.internal_ip = v4.address;
    if (!vif.network?.id) return entry;
    let network: Awaited<ReturnType<typeof networkGetByUuid>>;
    try {
      network = await networkGetByUuid(this.deps.db, ctx.elevated(), vif.network.id);
    } catch (err) {
      if (err instanceof NotFound) return entry;
      throw err;
    }
    entry.public_ip = network.vpn_public_address;
    entry.public_port = network.vpn_public_port;
    if (entry.public_ip && entry.public_port) {
      entry.state = (await this.#ping(entry.public_ip, entry.public_port)) ? 'running' : 'down';
    } else {
      entry.state = 'invalid';
    }
    return entry;
  }

  async list(ctx: RequestContext): Promise<CloudpipeEntry[]> {
    const out: CloudpipeEntry[] = [];
    for (const instance of await this.vpnInstances(ctx)) out.push(await this.#entry(ctx, instance));
    return out;
  }

  /** The project's VPN instance: the one it has, else a new one. */
  async create(ctx: RequestContext, projectId: string): Promise<{ instanceId: string; created: boolean }> {
    if (this.#vpnImageId() === null) throw new CloudpipeNotConfigured();
    const existing = (await this.vpnInstances(ctx)).find((i) => i.project_id === projectId);
    if (existing) return { instanceId: existing.uuid as string, created: false };
    const instance = await this.deps.pipe.launchVpnInstance(ctx, projectId);
    return { instanceId: instance.uuid as string, created: true };
  }

  /** Sets the public VPN address and port on every network of the project. */
  configureProject(ctx: RequestContext, projectId: string, address: string, port: number | string): Promise<number> {
    return setProjectVpn(this.deps.db, ctx.elevated(), projectId, address, port);
  }
}
