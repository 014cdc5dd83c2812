/**
 * Who is calling nova-objectstore. Unlike Grizzly's (which let anyone in), every request
 * must be signed with an EC2 key pair (SigV2 or SigV4, header or query string; the
 * identity service checks the signature over the string computed here) or carry a
 * Keystone token (X-Auth-Token, how nova-api itself fetches bundles for a user).
 */

import type { AuthStrategy } from '../api/auth/strategy.js';
import { parseQueryPairs } from '../common/aws-signature/canonical.js';
import { MalformedS3Signature, type S3HttpRequest, s3SignedRequestOf } from '../common/aws-signature/s3.js';
import { RequestContext } from '../context/context.js';
import { SignatureRefused, type SignatureValidator } from '../identity/ec2-token-client.js';
import { accessDenied, S3Error } from './errors.js';

export interface S3Caller {
  ctx: RequestContext;
  /** SigV4: the body hash the client signed (hex), to check against the body; null otherwise. */
  payloadSha256: string | null;
}

export interface S3AuthOptions {
  signatures: SignatureValidator;
  /** Keystone token validation, for X-Auth-Token. */
  tokens: AuthStrategy;
  isAdmin(credentials: Record<string, unknown>): boolean;
  skewSeconds: number;
  now?: () => Date;
}

export class S3Authenticator {
  constructor(private readonly o: S3AuthOptions) {}

  #withAdmin(ctx: RequestContext): RequestContext {
    return ctx.isAdmin || !this.o.isAdmin(ctx.toPolicyCredentials()) ? ctx : ctx.with({ isAdmin: true });
  }

  async authenticate(req: S3HttpRequest & { rawQuery: string; requestId: string; remoteAddress: string | null }): Promise<S3Caller> {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && token !== '') {
      try {
        const ctx = await this.o.tokens.authenticate({
          headers: req.headers,
          remoteAddress: req.remoteAddress,
          requestId: req.requestId,
          globalRequestId: null,
        });
        return { ctx: this.#withAdmin(ctx), payloadSha256: null };
      } catch {
        throw accessDenied('The token is not valid.');
      }
    }
    let signed: ReturnType<typeof s3SignedRequestOf>;
    try {
      signed = s3SignedRequestOf({ ...req, query: parseQueryPairs(req.rawQuery) });
    } catch (err) {
      if (err instanceof MalformedS3Signature) throw new S3Error('InvalidRequest', err.message, 400);
      throw err;
    }
    if (signed === null) throw accessDenied('Anonymous access is not allowed; sign the request with EC2 credentials.');
    const now = (this.o.now ?? (() => new Date()))();
    if (signed.signedAt && Math.abs(now.getTime() - signed.signedAt.getTime()) > this.o.skewSeconds * 1000) {
      throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403);
    }
    if (signed.expiresAt && signed.expiresAt.getTime() < now.getTime()) throw accessDenied('Request has expired');
    if (signed.payloadHash?.startsWith('STREAMING-')) {
      throw new S3Error('NotImplemented', 'Chunked (aws-chunked) uploads are not supported; send the payload in one piece.', 501);
    }
    let result: Awaited<ReturnType<SignatureValidator['s3']>>;
    try {
      result = await this.o.signatures.s3({
        access: signed.access,
        token: Buffer.from(signed.stringToSign, 'utf8').toString('base64'),
        signature: signed.signature,
      });
    } catch (err) {
      if (err instanceof SignatureRefused) {
        throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', 403);
      }
      throw err;
    }
    if (result.info.projectId === null) throw accessDenied();
    const ctx = new RequestContext({
      userId: result.info.userId,
      projectId: result.info.projectId,
      roles: result.info.roles,
      userName: result.info.userName,
      projectName: result.info.projectName,
      authToken: result.tokenId,
      requestId: req.requestId,
      remoteAddress: req.remoteAddress,
    });
    const payload = signed.payloadHash !== null && /^[0-9a-f]{64}$/.test(signed.payloadHash) ? signed.payloadHash : null;
    return { ctx: this.#withAdmin(ctx), payloadSha256: payload };
  }
}
