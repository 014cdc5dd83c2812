/** What the EC2 actions work with: compute-side services and clients, never the database. */
import type { FlavorInfo } from '../../compute/api/deps.js';
import type { ComputeAPI } from '../../compute/api/index.js';
import type { AvailabilityZoneListing } from '../../compute/availability-zones.js';
import type { Ec2IdMapper } from '../../compute/ec2-ids.js';
import type { Config } from '../../config/config.js';
import type { RequestContext } from '../../context/context.js';
import type { ImageService } from '../../image/glance-client.js';
import type { BundleRegistrar } from '../../image/s3.js';

export interface Ec2KeyPair {
  name: string | null;
  fingerprint: string | null;
}

/** compute/keypairs.ts's KeypairAPI, as far as EC2 uses it. */
export interface Ec2KeypairService {
  getAll(ctx: RequestContext, userId: string): Promise<Ec2KeyPair[]>;
  create(
    ctx: RequestContext,
    userId: string,
    name: string,
    publicKey?: string,
  ): Promise<{ keypair: Ec2KeyPair; privateKey: string | null }>;
  delete(ctx: RequestContext, userId: string, name: string): Promise<void>;
}

export interface Ec2Services {
  readonly conf: Config;
  readonly ids: Ec2IdMapper;
  readonly keypairs: Ec2KeypairService;
  zones(ctx: RequestContext): Promise<AvailabilityZoneListing>;
  readonly images: ImageService;
  readonly bundles: BundleRegistrar;
  readonly compute: ComputeAPI;
  /** The flavor an EC2 InstanceType names; FlavorNotFound. */
  flavorByName(ctx: RequestContext, name: string): Promise<FlavorInfo>;
  /** The availability zone of each compute host. */
  hostZones(ctx: RequestContext): Promise<(host: string) => string>;
}
