/**
 * How the EC2 API and the object store turn a signed request into a token: in-process
 * against the embedded identity service, or over HTTP against Keystone's
 * `/v3/ec2tokens` and `/v3/s3tokens` (keystonemiddleware's s3token does the same).
 */

import type { Ec2Credentials } from '../common/aws-signature/ec2.js';
import { NotFound, ServiceUnavailable, Unauthorized } from '../common/errors.js';
import { EC2_AUTH_METHOD, type S3TokenCredentials, verifyEc2Request, verifyS3Request } from './ec2-tokens.js';
import { identityV3Url } from './keystone-client.js';
import type { Ec2Credential, IdentityService } from './service.js';
import { type TokenInfo, tokenInfoFromBody, tokenInfoFromValidated } from './token-info.js';

export interface SignedRequestToken {
  /** Keystone's s3tokens does not hand out the token it made: null then. */
  tokenId: string | null;
  info: TokenInfo;
}

/** The identity service refused the signature or the access key. */
export class SignatureRefused extends Error {}

export interface SignatureValidator {
  ec2(credentials: Ec2Credentials): Promise<SignedRequestToken>;
  s3(credentials: S3TokenCredentials): Promise<SignedRequestToken>;
}

/** A cached token is used again only while it has this long left. */
const REUSE_MARGIN_MS = 300_000;

/**
 * Checks signatures against the embedded identity service. Every request's signature is
 * checked; the token it yields is kept per user and project and handed out again while
 * it stays valid (revalidated each time), instead of storing a new token per request.
 */
export class InProcessSignatureValidator implements SignatureValidator {
  readonly #tokens = new Map<string, string>();

  constructor(
    private readonly identity: IdentityService,
    private readonly authTtlMinutes: number,
  ) {}

  async #token(pair: Ec2Credential): Promise<SignedRequestToken> {
    const key = `${pair.userId}:${pair.projectId}`;
    const cached = this.#tokens.get(key);
    if (cached !== undefined) {
      const token = await this.identity.validateToken(cached).catch(() => null);
      if (token && token.expiresAt.getTime() - this.identity.now().getTime() > REUSE_MARGIN_MS) {
        return { tokenId: token.id, info: tokenInfoFromValidated(token, this.identity.catalog) };
      }
      this.#tokens.delete(key);
    }
    const token = await this.identity.issueProjectToken(pair.userId, pair.projectId, EC2_AUTH_METHOD);
    this.#tokens.set(key, token.id);
    return { tokenId: token.id, info: tokenInfoFromValidated(token, this.identity.catalog) };
  }

  async #exchange(verify: () => Promise<Ec2Credential>): Promise<SignedRequestToken> {
    try {
      return await this.#token(await verify());
    } catch (err) {
      if (err instanceof Unauthorized || err instanceof NotFound) throw new SignatureRefused(err.message);
      throw err;
    }
  }

  ec2(credentials: Ec2Credentials): Promise<SignedRequestToken> {
    return this.#exchange(() => verifyEc2Request(this.identity, credentials, this.authTtlMinutes));
  }

  s3(credentials: S3TokenCredentials): Promise<SignedRequestToken> {
    return this.#exchange(() => verifyS3Request(this.identity, credentials));
  }
}

export class KeystoneSignatureValidator implements SignatureValidator {
  readonly #v3: string;

  constructor(
    authUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.#v3 = identityV3Url(authUrl);
  }

  async #exchange(path: string, credentials: unknown): Promise<SignedRequestToken> {
    let res: Response;
    try {
      res = await fetch(`${this.#v3}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ credentials }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ServiceUnavailable(`Identity server ${this.#v3} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    const body: unknown = await res.json().catch(() => null);
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
      throw new SignatureRefused(typeof message === 'string' ? message : 'The identity service refused the signature.');
    }
    const info = tokenInfoFromBody(body);
    const tokenId = res.headers.get('x-subject-token');
    if (res.status !== 200 || info === null || (tokenId === null && path === '/ec2tokens')) {
      throw new ServiceUnavailable(`The identity server answered ${res.status} to a signature check.`);
    }
    return { tokenId, info };
  }

  ec2(credentials: Ec2Credentials): Promise<SignedRequestToken> {
    return this.#exchange('/ec2tokens', credentials);
  }

  s3(credentials: S3TokenCredentials): Promise<SignedRequestToken> {
    return this.#exchange('/s3tokens', credentials);
  }
}
