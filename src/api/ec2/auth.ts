/**
 * Who is calling the EC2 API: the request must carry a SigV2 or SigV4 signature (header
 * or query string), made no longer ago (or further ahead) than `ec2_timestamp_expiry`
 * and not past its `Expires`; the identity service then checks it against the key
 * pair's secret and hands back a token, which becomes the request's context.
 */
import { parseAmzDate, parseIsoTimestamp } from '../../common/aws-signature/canonical.js';
import { type Ec2HttpRequest, ec2CredentialsOf, UnsupportedSignature } from '../../common/aws-signature/ec2.js';
import { RequestContext } from '../../context/context.js';
import { SignatureRefused, type SignatureValidator } from '../../identity/ec2-token-client.js';
import { authFailure, Ec2Error, missingParameter, requestExpired } from './errors.js';

export interface Ec2AuthOptions {
  validator: SignatureValidator;
  timestampExpirySeconds: number;
  /** Whether the policy's `context_is_admin` holds for a context's credentials. */
  isAdmin(credentials: Record<string, unknown>): boolean;
  now?: () => Date;
}

/** What a SigV2 request must carry besides its Signature and a Timestamp or Expires. */
const V2_REQUIRED = ['AWSAccessKeyId', 'SignatureMethod', 'Version'];

export class Ec2Authenticator {
  constructor(private readonly o: Ec2AuthOptions) {}

  #now(): Date {
    return (this.o.now ?? (() => new Date()))();
  }

  /** Throws RequestExpired unless `at` is within the expiry window of now. */
  #fresh(at: Date): void {
    const skew = Math.abs(this.#now().getTime() - at.getTime());
    if (skew > this.o.timestampExpirySeconds * 1000) throw requestExpired(`Request has expired. Timestamp date is ${at.toISOString()}`);
  }

  #checkV2Time(params: Readonly<Record<string, string>>): void {
    const { Timestamp: timestamp, Expires: expires } = params;
    if (timestamp !== undefined && expires !== undefined) {
      throw new Ec2Error('InvalidParameterCombination', 'Parameters Timestamp and Expires cannot both be given.');
    }
    if (timestamp === undefined && expires === undefined) throw missingParameter('Timestamp');
    if (timestamp !== undefined) {
      const at = parseIsoTimestamp(timestamp);
      if (!at) throw requestExpired(`Invalid timestamp: ${timestamp}`);
      this.#fresh(at);
      return;
    }
    const until = parseIsoTimestamp(expires as string);
    if (!until || until.getTime() < this.#now().getTime()) throw requestExpired(`Request has expired. Expires date is ${expires}`);
  }

  #checkV4Time(params: Readonly<Record<string, string>>, headers: Ec2HttpRequest['headers'], query: boolean): void {
    const rawDate = query ? params['X-Amz-Date'] : ((headers['x-amz-date'] as string | undefined) ?? params['X-Amz-Date']);
    if (rawDate === undefined) throw missingParameter('X-Amz-Date');
    const at = parseAmzDate(rawDate);
    if (!at) throw requestExpired(`Invalid X-Amz-Date: ${rawDate}`);
    this.#fresh(at);
    if (query && params['X-Amz-Expires'] !== undefined) {
      const seconds = Number(params['X-Amz-Expires']);
      if (!Number.isInteger(seconds) || seconds < 0)
        throw new Ec2Error('InvalidParameterValue', 'X-Amz-Expires must be a non-negative integer.');
      if (at.getTime() + seconds * 1000 < this.#now().getTime()) throw requestExpired();
    }
  }

  /** The context of a signed request; EC2 errors (AuthFailure, RequestExpired, MissingParameter) otherwise. */
  async authenticate(req: Ec2HttpRequest, meta: { requestId: string; remoteAddress: string | null }): Promise<RequestContext> {
    let signed: ReturnType<typeof ec2CredentialsOf>;
    try {
      signed = ec2CredentialsOf(req);
    } catch (err) {
      if (err instanceof UnsupportedSignature) throw authFailure(err.message);
      throw err;
    }
    if (signed === null) throw new Ec2Error('MissingAuthenticationToken', 'Request is missing Authentication Token', 401);
    const { form, credentials } = signed;
    if (form === 'v2') {
      if (credentials.params.SignatureVersion !== '2')
        throw authFailure(`SignatureVersion ${credentials.params.SignatureVersion} is not supported.`);
      for (const name of V2_REQUIRED) if (!credentials.params[name]) throw missingParameter(name);
      if (credentials.signature === '') throw missingParameter('Signature');
      this.#checkV2Time(credentials.params);
    } else {
      this.#checkV4Time(credentials.params, req.headers, form === 'v4-query');
    }
    let token: Awaited<ReturnType<SignatureValidator['ec2']>>;
    try {
      token = await this.o.validator.ec2(credentials);
    } catch (err) {
      if (err instanceof SignatureRefused) throw authFailure();
      throw err;
    }
    if (token.info.projectId === null) throw authFailure();
    const ctx = new RequestContext({
      userId: token.info.userId,
      projectId: token.info.projectId,
      roles: token.info.roles,
      userName: token.info.userName,
      projectName: token.info.projectName,
      authToken: token.tokenId,
      serviceCatalog: token.info.catalog,
      requestId: meta.requestId,
      remoteAddress: meta.remoteAddress,
    });
    return ctx.isAdmin || !this.o.isAdmin(ctx.toPolicyCredentials()) ? ctx : ctx.with({ isAdmin: true });
  }
}
