/**
 * Reads objects from nova-objectstore on behalf of a user: path-style URLs and the
 * caller's token (X-Auth-Token), which the object store accepts besides AWS signatures.
 */
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { NotAuthorized, NotFound, ServiceUnavailable } from '../common/errors.js';
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import { s3ImageOpts } from './opts.js';

export interface ObjectReader {
  get(ctx: RequestContext, bucket: string, key: string): Promise<Readable>;
}

export class ObjectStoreClient implements ObjectReader {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 600_000,
  ) {}

  static fromConfig(conf: Config, baseUrl?: string): ObjectStoreClient {
    const o = conf.get(s3ImageOpts);
    return new ObjectStoreClient(baseUrl ?? `${o.s3_use_ssl ? 'https' : 'http'}://${o.s3_host ?? '127.0.0.1'}:${o.s3_port}`);
  }

  async get(ctx: RequestContext, bucket: string, key: string): Promise<Readable> {
    const path = `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        headers: ctx.authToken ? { 'X-Auth-Token': ctx.authToken } : {},
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ServiceUnavailable(`The object store at ${this.baseUrl} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    if (res.status === 200 && res.body) return Readable.fromWeb(res.body as ReadableStream<Uint8Array>);
    await res.body?.cancel();
    if (res.status === 404) throw new NotFound(`${bucket}/${key} does not exist in the object store.`);
    if (res.status === 403 || res.status === 401) throw new NotAuthorized(`Access to ${bucket}/${key} was refused by the object store.`);
    throw new ServiceUnavailable(`The object store answered ${res.status} for ${bucket}/${key}.`);
  }
}
