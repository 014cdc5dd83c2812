/**
 * `auth_strategy = keystone`: X-Auth-Token is validated by the embedded identity service
 * in-process, or by a remote Keystone named in `[keystone_authtoken]`. Remote answers are
 * cached for `token_cache_time` seconds as keystonemiddleware does; in-process
 * validation is a single indexed read, so it is not cached and a revocation takes effect
 * at once.
 */
import { Unauthorized } from '../../common/errors.js';
import type { Config } from '../../config/config.js';
import { RequestContext } from '../../context/context.js';
import { TokenNotFound } from '../../identity/errors.js';
import { identityV3Url, KeystoneClient } from '../../identity/keystone-client.js';
import { keystoneAuthtokenOpts } from '../../identity/opts.js';
import type { IdentityService } from '../../identity/service.js';
import { type TokenInfo, tokenInfoFromValidated } from '../../identity/token-info.js';
import { type AuthRequest, type AuthStrategy, headerValue } from './strategy.js';

/** Resolves a user token; null means not valid. */
export interface TokenValidator {
  validate(token: string): Promise<TokenInfo | null>;
}

export class InProcessTokenValidator implements TokenValidator {
  constructor(private readonly identity: IdentityService) {}

  async validate(token: string): Promise<TokenInfo | null> {
    try {
      return tokenInfoFromValidated(await this.identity.validateToken(token), this.identity.catalog);
    } catch (err) {
      if (err instanceof TokenNotFound) return null;
      throw err;
    }
  }
}

const MAX_CACHED_TOKENS = 10_000;

/** Remembers validation results for a while, never past the token's own expiry. */
export class CachingTokenValidator implements TokenValidator {
  readonly #cache = new Map<string, { info: TokenInfo; until: number }>();

  constructor(
    private readonly inner: TokenValidator,
    private readonly seconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async validate(token: string): Promise<TokenInfo | null> {
    const hit = this.#cache.get(token);
    if (hit && hit.until > this.now()) return hit.info;
    if (hit) this.#cache.delete(token);
    const info = await this.inner.validate(token);
    if (info && this.seconds > 0) {
      if (this.#cache.size >= MAX_CACHED_TOKENS) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      this.#cache.set(token, { info, until: Math.min(this.now() + this.seconds * 1000, info.expiresAt.getTime()) });
    }
    return info;
  }
}

export interface KeystoneStrategyOptions {
  /** Where WWW-Authenticate sends a client without a valid token, e.g. http://host:5000. */
  wwwAuthenticateUri: string | null;
  now?: () => number;
}

export class KeystoneAuthStrategy implements AuthStrategy {
  constructor(
    private readonly validator: TokenValidator,
    private readonly options: KeystoneStrategyOptions,
  ) {}

  #refuse(): Unauthorized {
    const uri = this.options.wwwAuthenticateUri;
    return new Unauthorized('The request you have made requires authentication.', {
      headers: { 'WWW-Authenticate': uri ? `Keystone uri="${uri}"` : 'Keystone' },
    });
  }

  async authenticate(req: AuthRequest): Promise<RequestContext> {
    const token = headerValue(req, 'X-Auth-Token') ?? headerValue(req, 'X-Storage-Token');
    if (token === undefined) throw this.#refuse();
    const info = await this.validator.validate(token);
    // The compute API works on behalf of a project: an unscoped or domain token has none.
    if (info === null || info.projectId === null || info.expiresAt.getTime() <= (this.options.now ?? Date.now)()) throw this.#refuse();
    return new RequestContext({
      userId: info.userId,
      projectId: info.projectId,
      roles: info.roles,
      userName: info.userName,
      projectName: info.projectName,
      authToken: token,
      serviceCatalog: info.catalog,
      requestId: req.requestId,
      globalRequestId: req.globalRequestId,
      remoteAddress: req.remoteAddress,
    });
  }
}

export interface KeystoneStrategyDeps {
  /** The embedded identity service, used when `[keystone_authtoken] auth_url` is unset. */
  identity?: IdentityService;
}

function withoutVersion(url: string): string {
  return identityV3Url(url).replace(/\/v3$/, '');
}

/** Builds the strategy `[keystone_authtoken]` describes. */
export function createKeystoneAuthStrategy(conf: Config, deps: KeystoneStrategyDeps = {}): KeystoneAuthStrategy {
  const o = conf.get(keystoneAuthtokenOpts);
  if (o.auth_url) {
    if (!o.password) throw new Error('[keystone_authtoken] password is required with auth_url');
    const client = new KeystoneClient({
      authUrl: o.auth_url,
      username: o.username ?? 'nova',
      password: o.password,
      userDomainName: o.user_domain_name ?? 'Default',
      projectName: o.project_name ?? 'service',
      projectDomainName: o.project_domain_name ?? 'Default',
      timeoutMs: (o.http_connect_timeout ?? 10) * 1000,
    });
    const seconds = Math.max(0, o.token_cache_time ?? 0);
    return new KeystoneAuthStrategy(new CachingTokenValidator(client, seconds), {
      wwwAuthenticateUri: withoutVersion(o.www_authenticate_uri ?? o.auth_url),
    });
  }
  if (!deps.identity) throw new Error('auth_strategy = keystone needs [keystone_authtoken] auth_url or the embedded identity service');
  const identity = deps.identity;
  const identityUrl = identity.catalog.find((s) => s.type === 'identity')?.endpoints.find((e) => e.interface === 'public')?.url;
  const uri = o.www_authenticate_uri ?? identityUrl ?? null;
  return new KeystoneAuthStrategy(new InProcessTokenValidator(identity), { wwwAuthenticateUri: uri ? withoutVersion(uri) : null });
}
