/**
 * The EC2 API and nova-objectstore bound to a process: EC2 signatures checked by the
 * embedded identity service in-process or by Keystone's ec2tokens/s3tokens, the EC2
 * actions over compute-side services, bundle registration through nova-cert.
 */

import { findImage } from '../api/ec2/actions/image-view.js';
import { ec2ActionModules } from '../api/ec2/actions/index.js';
import { Ec2Authenticator } from '../api/ec2/auth.js';
import { buildEc2App, listenEc2 } from '../api/ec2/server.js';
import type { Ec2Services } from '../api/ec2/services.js';
import { CertAPI } from '../cert/rpcapi.js';
import { dbFlavorByName } from '../compute/api/adapters.js';
import { AvailabilityZoneAPI } from '../compute/availability-zones.js';
import { DbEc2IdMapper } from '../compute/ec2-ids.js';
import { KeypairAPI } from '../compute/keypairs.js';
import type { Config } from '../config/config.js';
import { ec2Opts } from '../config/ec2-api-opts.js';
import { InProcessSignatureValidator, KeystoneSignatureValidator, type SignatureValidator } from '../identity/ec2-token-client.js';
import { credentialOpts, keystoneAuthtokenOpts } from '../identity/opts.js';
import type { IdentityService } from '../identity/service.js';
import type { ImageService } from '../image/glance-client.js';
import { s3ImageOpts } from '../image/opts.js';
import { S3ImageRegistrar } from '../image/s3.js';
import { ObjectStoreClient } from '../image/s3-client.js';
import { NetworkAPI } from '../network/api.js';
import { S3Authenticator } from '../objectstore/auth.js';
import { objectstoreOpts } from '../objectstore/opts.js';
import { buildObjectStoreApp, listenObjectStore, type RunningObjectStore } from '../objectstore/server.js';
import { ObjectStore } from '../objectstore/store.js';
import { PolicyEnforcer } from '../policy/enforcer.js';
import { createDbQuotaEngine } from '../quota/db-store.js';
import { topicOpts } from '../service/opts.js';
import { authStrategyFor } from './apis.js';
import { createComputeApi } from './compute-api-factory.js';
import type { Runtime } from './runtime.js';

/** Who checks EC2 signatures: `keystone_ec2_url`, else the embedded identity service, else `[keystone_authtoken]`'s Keystone. */
export function signatureValidatorFor(conf: Config, identity?: IdentityService): SignatureValidator {
  const url = conf.get(ec2Opts).keystone_ec2_url;
  if (url) return new KeystoneSignatureValidator(url.replace(/\/(ec2|s3)tokens\/?$/, ''));
  if (identity) return new InProcessSignatureValidator(identity, conf.get(credentialOpts).auth_ttl ?? 15);
  const authUrl = conf.get(keystoneAuthtokenOpts).auth_url;
  if (authUrl) return new KeystoneSignatureValidator(authUrl);
  throw new Error('EC2 signatures need keystone_ec2_url, [keystone_authtoken] auth_url or the embedded identity service');
}

export interface RunningEc2 {
  url: string;
  bundles: S3ImageRegistrar;
  close(): Promise<void>;
}

export interface Ec2Deps {
  images: ImageService;
  identity?: IdentityService;
  /** Where nova-objectstore answers; default from s3_host/s3_port. */
  objectstoreUrl?: string;
}

/** Serves the EC2 API on ec2_listen:ec2_listen_port over the process's runtime. */
export async function startEc2Api(runtime: Runtime, deps: Ec2Deps): Promise<RunningEc2> {
  if (!runtime.db) throw new Error('the EC2 API needs the database');
  const { conf, db, transport } = runtime;
  const policy = new PolicyEnforcer(conf);
  const ids = new DbEc2IdMapper(db);
  const cert = new CertAPI(transport, conf.get(topicOpts).cert_topic ?? 'cert');
  const bundles = new S3ImageRegistrar({
    images: deps.images,
    objects: ObjectStoreClient.fromConfig(conf, deps.objectstoreUrl),
    decryptText: (ctx, projectId, text) => cert.decryptText(ctx, projectId, text),
    resolveImageId: async (ctx, ec2Id) => (await findImage(ctx, { ids, images: deps.images }, ec2Id)).id,
    decryptionDir: conf.get(s3ImageOpts).image_decryption_dir ?? '/tmp',
  });
  const zones = new AvailabilityZoneAPI(db, conf);
  const quota = createDbQuotaEngine(conf, db);
  const network = NetworkAPI.fromConfig(conf, transport);
  const services: Ec2Services = {
    conf,
    ids,
    keypairs: new KeypairAPI(db, quota),
    zones: () => zones.listing(),
    images: deps.images,
    bundles,
    compute: createComputeApi(runtime, { policy, images: deps.images, quota, network }),
    flavorByName: dbFlavorByName(db),
    hostZones: (ctx) => zones.hostZones(ctx),
  };
  const o = conf.get(ec2Opts);
  const auth = new Ec2Authenticator({
    validator: signatureValidatorFor(conf, deps.identity),
    timestampExpirySeconds: o.ec2_timestamp_expiry ?? 300,
    isAdmin: (credentials) => policy.isAdmin(credentials),
  });
  const app = buildEc2App({ services, auth, actions: ec2ActionModules, path: o.ec2_path ?? '/services/Cloud' });
  const running = await listenEc2(app, o.ec2_listen ?? '0.0.0.0', o.ec2_listen_port);
  return {
    url: running.url,
    bundles,
    close: async () => {
      await running.close();
      await bundles.idle();
    },
  };
}

/** Serves nova-objectstore on s3_listen:s3_listen_port, storing under buckets_path. */
export async function startObjectStore(conf: Config, deps: { identity?: IdentityService } = {}): Promise<RunningObjectStore> {
  const o = conf.get(objectstoreOpts);
  const store = new ObjectStore(o.buckets_path ?? 'buckets');
  await store.init();
  const policy = new PolicyEnforcer(conf);
  const auth = new S3Authenticator({
    signatures: signatureValidatorFor(conf, deps.identity),
    tokens: authStrategyFor(conf, deps.identity),
    isAdmin: (credentials) => policy.isAdmin(credentials),
    skewSeconds: o.s3_signature_skew ?? 900,
  });
  return listenObjectStore(buildObjectStoreApp(store, auth), o.s3_listen ?? '0.0.0.0', o.s3_listen_port);
}
