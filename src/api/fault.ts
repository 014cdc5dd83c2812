/**
 * The one place an error becomes an HTTP answer. Every error a handler, hook or parser
 * throws ends here and leaves as a Nova fault body: `{"<faultName>": {"code", "message"}}`.
 */

import { faultNameFor, NovaError, QuotaError, RequestTooLarge, Unauthorized } from '../common/errors.js';
import { MalformedRequestBody, UnsupportedMediaType } from './errors.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

const UNEXPECTED_PREFIX =
  'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n';

const AUTH_REQUIRED = 'The request you have made requires authentication.';

/** Default texts for statuses raised without a message of their own (webob's wording). */
const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method specified is not allowed for this resource.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'Request is too large.',
  415: 'The request media type is not supported by this server.',
};

export interface RenderedFault {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** Set when the error was not one a client can cause: the caller logs it. */
  unexpected: boolean;
}

export interface FaultOptions {
  /** Identity endpoint advertised in `WWW-Authenticate` on 401. */
  identityUri?: string | null;
}

export function faultBody(status: number, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { [faultNameFor(status)]: { code: status, message, ...extra } };
}

/** Errors fastify raises before our code runs (body parsing, URL decoding). */
interface FrameworkError extends Error {
  code?: string;
  statusCode?: number;
}

function fromFramework(err: FrameworkError): NovaError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RequestTooLarge('Request is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaType();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MalformedRequestBody();
  }
  if (err instanceof SyntaxError) return new MalformedRequestBody();
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new ClientError(err.statusCode, err.message);
  }
  return null;
}

/** A framework-level client error whose status is only known at run time. */
class ClientError extends NovaError {
  readonly #status: number;
  constructor(status: number, message: string) {
    super(message);
    this.#status = status;
  }
  override get code(): number {
    return this.#status;
  }
}

function unauthorized(err: NovaError, options: FaultOptions): RenderedFault {
  const headers: Record<string, string> = { ...err.headers };
  if (options.identityUri) headers['WWW-Authenticate'] = `Keystone uri="${options.identityUri}"`;
  return {
    status: 401,
    body: { error: { code: 401, title: 'Unauthorized', message: AUTH_REQUIRED } },
    headers,
    unexpected: false,
  };
}

/** Turns any thrown value into the status, body and headers a client receives. */
export function renderFault(thrown: unknown, options: FaultOptions = {}): RenderedFault {
  let err: unknown = thrown;
  if (!(err instanceof NovaError) && err instanceof Error) err = fromFramework(err) ?? err;

  if (err instanceof Unauthorized) return unauthorized(err, options);

  if (err instanceof QuotaError) {
    // Grizzly answered 413; v2.1 (and /v2 served by it) answer 403 so clients do not retry.
    return { status: 403, body: faultBody(403, err.message), headers: {}, unexpected: false };
  }

  if (err instanceof NovaError) {
    const status = err.code;
    const safe = (err.constructor as typeof NovaError).safe;
    if (status === 500 && !safe) return unexpectedFault(err);
    const message = status === 500 ? `${err.name}: ${err.message}` : err.message || (DEFAULT_MESSAGES[status] ?? err.message);
    const extra: Record<string, unknown> = {};
    const retryAfter = err.headers['Retry-After'];
    if ((status === 413 || status === 429) && retryAfter !== undefined) extra.retryAfter = retryAfter;
    return { status, body: faultBody(status, message, extra), headers: { ...err.headers }, unexpected: false };
  }

  return unexpectedFault(err);
}

function unexpectedFault(err: unknown): RenderedFault {
  const className = err instanceof Error ? err.constructor.name : typeof err;
  return {
    status: 500,
    body: faultBody(500, `${UNEXPECTED_PREFIX}<class '${className}'>`),
    headers: {},
    unexpected: true,
  };
}
