import { createKeystoneAuthStrategy } from '../api/auth/keystone.js';
import { NoAuth2Strategy } from '../api/auth/noauth2.js';
import type { AuthStrategy } from '../api/auth/strategy.js';
import { startMetadataApi } from '../api/metadata/server.js';
import { type RunningApi, startComputeApi } from '../api/server.js';
import { InstanceMetadataLookup } from '../compute/api/metadata-lookup.js';
import { apiOpts } from '../config/api-opts.js';
import type { Config } from '../config/config.js';
import { newRequestId, type RequestContext } from '../context/context.js';
import type { IdentityService } from '../identity/service.js';
import type { ImageService } from '../image/glance-client.js';
import { PolicyEnforcer } from '../policy/enforcer.js';
import { computeResourcesFor } from './compute-resources.js';
import type { Runtime } from './runtime.js';

/** The auth strategy `auth_strategy` names. */
export function authStrategyFor(conf: Config, identity?: IdentityService): AuthStrategy {
  return conf.get(apiOpts).auth_strategy !== 'keystone'
    ? new NoAuth2Strategy()
    : createKeystoneAuthStrategy(conf, identity ? { identity } : {});
}

/**
 * How the embedded image service checks a token: the same validation as the compute
 * API, with admin decided by policy, since the image service has no policy of its own.
 */
export function imageTokenValidator(conf: Config, identity: IdentityService): (token: string) => Promise<RequestContext> {
  const strategy = authStrategyFor(conf, identity);
  const policy = new PolicyEnforcer(conf);
  return async (token) => {
    const ctx = await strategy.authenticate({
      headers: { 'x-auth-token': token },
      remoteAddress: null,
      requestId: newRequestId(),
      globalRequestId: null,
    });
    return ctx.with({ isAdmin: ctx.isAdmin || policy.isAdmin(ctx.toPolicyCredentials()) });
  };
}

/** Serves the OpenStack Compute API with every resource nova-ts has, over the process's runtime. */
export async function startOsapiCompute(
  runtime: Runtime,
  options: { images: ImageService; imageEndpoint: string; identity?: IdentityService; identityUri?: string | null },
): Promise<RunningApi> {
  const conf = runtime.conf;
  const policy = new PolicyEnforcer(conf);
  return startComputeApi(conf, {
    auth: authStrategyFor(conf, options.identity),
    policy,
    resources: computeResourcesFor(runtime, { policy, images: options.images, imageEndpoint: options.imageEndpoint }),
    identityUri: options.identityUri ?? null,
  });
}

/** Serves the metadata service (EC2 and OpenStack trees, config-drive-identical) to guests. */
export function startMetadataService(runtime: Runtime): Promise<RunningApi> {
  if (!runtime.db) throw new Error('the metadata service needs the database');
  return startMetadataApi({ conf: runtime.conf, lookup: new InstanceMetadataLookup(runtime.db, runtime.conf) });
}
