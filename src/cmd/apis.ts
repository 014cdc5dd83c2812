import { createKeystoneAuthStrategy } from '../api/auth/keystone.js';
import { NoAuth2Strategy } from '../api/auth/noauth2.js';
import type { AuthStrategy } from '../api/auth/strategy.js';
import { apiOpts } from '../api/opts.js';
import { type RunningApi, startComputeApi } from '../api/server.js';
import type { Config } from '../config/config.js';
import type { IdentityService } from '../identity/service.js';
import { PolicyEnforcer } from '../policy/enforcer.js';
import { computeResourcesFor } from './compute-resources.js';
import type { Runtime } from './runtime.js';

/** The auth strategy `auth_strategy` names. */
export function authStrategyFor(conf: Config, identity?: IdentityService): AuthStrategy {
  return conf.get(apiOpts).auth_strategy === 'noauth2'
    ? new NoAuth2Strategy()
    : createKeystoneAuthStrategy(conf, identity ? { identity } : {});
}

/** Serves the OpenStack Compute API with every resource nova-ts has, over the process's runtime. */
export async function startOsapiCompute(
  runtime: Runtime,
  options: { identity?: IdentityService; identityUri?: string | null } = {},
): Promise<RunningApi> {
  const conf = runtime.conf;
  return startComputeApi(conf, {
    auth: authStrategyFor(conf, options.identity),
    policy: new PolicyEnforcer(conf),
    resources: computeResourcesFor(runtime),
    identityUri: options.identityUri ?? null,
  });
}
