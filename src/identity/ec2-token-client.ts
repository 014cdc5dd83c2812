/**
 * How the EC2 API and the object store turn a signed request into a token: in-process
 * against the embedded identity service, or over HTTP against Keystone's
 * `/v3/ec2tokens` and `/v3/s3tokens` (keystonemiddleware's s3token does the same).
 */
import { NotFound, ServiceUnavailable, Unauthorized } from '../common/errors.js';
import type { Ec2Credentials } from '../common/aws-signature/ec2.js';
import { authenticateEc2, authenticateS3, type S3TokenCredentials } from './ec2-tokens.js';
import { identityV3Url } from './keystone-client.js';
import type { IdentityService } from './service.js';
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

export class InProcessSignatureValidator implements SignatureValidator {
  constructor(
    private readonly identity: IdentityService,
    private readonly authTtlMinutes: number,
  ) {}

  async #exchange(run: () => ReturnType<typeof authenticateEc2>): Promise<SignedRequestToken> {
    try {
      const token = await run();
      return { tokenId: token.id, info: tokenInfoFromValidated(token, this.identity.catalog) };
    } catch (err) {
      if (err instanceof Unauthorized || err instanceof NotFound) throw new SignatureRefused(err.message);
      throw err;
    }
  }

  ec2(credentials: Ec2Credentials): Promise<SignedRequestToken> {
    return this.#exchange(() => authenticateEc2(this.identity, credentials, this.authTtlMinutes));
  }

  s3(credentials: S3TokenCredentials): Promise<SignedRequestToken> {
    return this.#exchange(() => authenticateS3(this.identity, credentials));
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
