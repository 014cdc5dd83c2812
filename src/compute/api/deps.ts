/**
 * What the compute API needs from services owned elsewhere (image service, flavors, key
 * pairs, the network API), as narrow interfaces so that each side can be wired (and
 * tested) on its own. Each implementation throws the NotFound subclass named below.
 */
import type { ConductorClient } from '../../conductor/contract.js';
import type { Config } from '../../config/config.js';
import type { RequestContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import type { ImageService } from '../../image/glance-client.js';
import type { NetworkAPI } from '../../network/api.js';
import type { Notifier } from '../../notifications/notifier.js';
import type { QuotaEngine } from '../../quota/engine.js';
import type { SchedulerClient } from '../../scheduler/contract.js';
import type { ComputeClient } from '../contract.js';

/** An image as the image service describes it (Glance v1-style keys, properties flattened into `properties`). */
export interface ImageMeta {
  id: string;
  name?: string | null;
  status: string;
  /** Bytes. */
  size?: number | null;
  min_ram?: number | null;
  min_disk?: number | null;
  disk_format?: string | null;
  container_format?: string | null;
  properties?: Record<string, unknown>;
}

export interface ImageLookup {
  /** ImageNotFound when the image does not exist or the caller cannot see it. */
  show(ctx: RequestContext, imageId: string): Promise<ImageMeta>;
}

/** A flavor (`instance_types` row). */
export interface FlavorInfo {
  id: number;
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  vcpu_weight: number | null;
  disabled: boolean;
  is_public: boolean;
}

export interface FlavorLookup {
  /**
   * The flavor with this flavorid that the caller may use (public, or private with access
   * for the caller's project, or any for an admin); FlavorNotFound otherwise.
   * `readDeleted: 'yes'` also finds deleted flavors (list filters name those).
   */
  getByFlavorId(ctx: RequestContext, flavorId: string, options?: { readDeleted?: 'no' | 'yes' }): Promise<FlavorInfo>;
  /** By row id, deleted ones included (what an instance's instance_type_id refers to); FlavorNotFound. */
  getById(ctx: RequestContext, id: number): Promise<FlavorInfo>;
}

export interface KeypairLookup {
  /** The caller's key pair; KeypairNotFound. */
  get(ctx: RequestContext, userId: string, name: string): Promise<{ name: string; public_key: string | null }>;
}

/** (network uuid, fixed IP or null) as the request asked for them. */
export type RequestedNetwork = [string, string | null];

export interface NetworkValidator {
  /** Throws (NetworkNotFound, FixedIpInvalid, ...: a 4xx) when the requested networks cannot be used. */
  validateNetworks(ctx: RequestContext, requested: readonly RequestedNetwork[]): Promise<void>;
}

/** The policy engine as the compute API uses it (PolicyEnforcer implements it). */
export interface ComputePolicy {
  enforce(ctx: RequestContext, action: string, target: Record<string, unknown>): void;
}

/** Where snapshots and backups are written (the image service; image/glance-client.ts implements it). */
export type SnapshotImageStore = Pick<ImageService, 'create' | 'delete' | 'detail'>;

export interface ComputeApiDeps {
  db: Db;
  conf: Config;
  quota: QuotaEngine;
  policy: ComputePolicy;
  images: ImageLookup;
  /** Absent: createImage and createBackup are refused, as with no image service to write to. */
  imageStore?: SnapshotImageStore;
  flavors: FlavorLookup;
  keypairs: KeypairLookup;
  network: NetworkValidator;
  /** Releases an instance's fixed IPs and interfaces when the API deletes it without a compute host. */
  networkRelease: Pick<NetworkAPI, 'deallocateForInstance'>;
  /** compute.instance.* notifications the API itself sends (a local delete); none when absent. */
  notifier?: Notifier;
  scheduler: Pick<SchedulerClient, 'cast' | 'call'>;
  compute: Pick<ComputeClient, 'cast' | 'call'>;
  /** The conductor's compute tasks (unshelve); absent: unshelve is refused. */
  conductorTasks?: Pick<ConductorClient, 'cast'>;
}
