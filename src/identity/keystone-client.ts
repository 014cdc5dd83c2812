/**
 * A minimal Keystone v3 client for services that validate user tokens against a remote
 * Keystone (keystonemiddleware's job): it holds a service token, refreshed before it
 * expires, and asks `GET /v3/auth/tokens` about each user token.
 */
import { ServiceUnavailable } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { type TokenInfo, tokenInfoFromBody } from './token-info.js';

const log = getLogger('nova.identity.keystone_client');

/** Renew the service token this long before it expires. */
const RENEW_MARGIN_MS = 60_000;

export interface ServiceCredentials {
  /** Keystone's URL, with or without the `/v3` suffix. */
  authUrl: string;
  username: string;
  password: string;
  userDomainName: string;
  projectName: string;
  projectDomainName: string;
  /** Milliseconds to wait for an answer. */
  timeoutMs?: number;
}

export function identityV3Url(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

export class KeystoneClient {
  readonly #creds: ServiceCredentials;
  readonly #v3: string;
  #serviceToken: { id: string; renewAt: number } | null = null;
  #pending: Promise<string> | null = null;

  constructor(creds: ServiceCredentials) {
    this.#creds = creds;
    this.#v3 = identityV3Url(creds.authUrl);
  }

  async #request(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.#v3}${path}`, { ...init, signal: AbortSignal.timeout(this.#creds.timeoutMs ?? 10_000) });
    } catch (err) {
      throw new ServiceUnavailable(`Identity server ${this.#v3} is unreachable: ${(err as Error).message}`, { cause: err });
    }
  }

  async #issueServiceToken(): Promise<string> {
    const c = this.#creds;
    const res = await this.#request('/auth/tokens?nocatalog', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: c.username, password: c.password, domain: { name: c.userDomainName } } },
          },
          scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
        },
      }),
    });
    const body: unknown = await res.json().catch(() => null);
    const id = res.headers.get('x-subject-token');
    const info = tokenInfoFromBody(body);
    if (res.status !== 201 || id === null || info === null) {
      log.error({ status: res.status, user: c.username }, 'service user could not authenticate to Keystone');
      throw new ServiceUnavailable('The service user could not authenticate to the identity server.');
    }
    this.#serviceToken = { id, renewAt: info.expiresAt.getTime() - RENEW_MARGIN_MS };
    return id;
  }

  async #serviceTokenId(): Promise<string> {
    if (this.#serviceToken && Date.now() < this.#serviceToken.renewAt) return this.#serviceToken.id;
    this.#pending ??= this.#issueServiceToken().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  /** What the token stands for, or null when Keystone says it is not valid. */
  async validate(token: string): Promise<TokenInfo | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const serviceToken = await this.#serviceTokenId();
      const res = await this.#request('/auth/tokens', {
        method: 'GET',
        headers: { 'X-Auth-Token': serviceToken, 'X-Subject-Token': token },
      });
      if (res.status === 200) return tokenInfoFromBody(await res.json().catch(() => null));
      await res.body?.cancel();
      if (res.status === 404) return null;
      if (res.status === 401 && attempt === 0) {
        // Our own token expired or was revoked: get a new one and ask once more.
        this.#serviceToken = null;
        continue;
      }
      throw new ServiceUnavailable(`The identity server answered ${res.status} to a token validation.`);
    }
    throw new ServiceUnavailable('The identity server refused the service token.');
  }
}
