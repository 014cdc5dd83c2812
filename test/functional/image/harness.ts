import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Unauthorized } from '../../../src/common/errors.js';
import { Config } from '../../../src/config/config.js';
import { RequestContext } from '../../../src/context/context.js';
import { startImageService } from '../../../src/image/server.js';

export const PROJECT_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const PROJECT_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
export const ADMIN_PROJECT = 'adadadadadadadadadadadadadadadad';

/** Tokens the tests use; the identity service is a separate component, so a map stands in for it. */
export const TOKENS: Record<string, RequestContext> = {
  'token-a': new RequestContext({ userId: 'user-a', projectId: PROJECT_A, roles: ['member'] }),
  'token-b': new RequestContext({ userId: 'user-b', projectId: PROJECT_B, roles: ['member'] }),
  'token-admin': new RequestContext({ userId: 'admin', projectId: ADMIN_PROJECT, roles: ['admin'], isAdmin: true }),
};

export interface TestImageService {
  url: string;
  dir: string;
  storeDir: string;
  close(): Promise<void>;
  /** fetch against the service as the holder of `token`. */
  call(
    token: string | null,
    method: string,
    path: string,
    init?: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<Response>;
  storeFiles(): Promise<string[]>;
}

/** noauth2-style tokens `user:project` (admin when the user is `admin`), as the compute API's tests send them. */
export async function noauthContext(token: string): Promise<RequestContext> {
  const [user, project] = token.split(':');
  if (!user || !project) throw new Unauthorized('The request you have made requires authentication.');
  const admin = user === 'admin';
  return new RequestContext({ userId: user, projectId: project, roles: admin ? ['admin'] : ['member'], isAdmin: admin, authToken: token });
}

export async function startTestImageService(
  options: { sizeCap?: number; authenticate?: (token: string) => Promise<RequestContext> } = {},
): Promise<TestImageService> {
  const dir = await mkdtemp(join(tmpdir(), 'nova-ts-image-'));
  const storeDir = join(dir, 'images');
  const conf = Config.load({
    overrides: {
      DEFAULT: { state_path: dir },
      database: { connection: `sqlite:///${join(dir, 'image.sqlite')}` },
      image: { listen: '127.0.0.1', listen_port: 0, ...(options.sizeCap ? { image_size_cap: options.sizeCap } : {}) },
    },
  });
  const service = await startImageService(conf, {
    authenticate:
      options.authenticate ??
      (async (token) => {
        const ctx = TOKENS[token];
        if (!ctx) throw new Unauthorized('The request you have made requires authentication.');
        return ctx.with({ authToken: token });
      }),
  });
  return {
    url: service.url,
    dir,
    storeDir,
    close: async () => {
      await service.close();
      await rm(dir, { recursive: true, force: true });
    },
    call: (token, method, path, init = {}) => {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (token) headers['x-auth-token'] = token;
      let body = init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${service.url}${path}`, { method, headers, ...(body === undefined ? {} : { body, duplex: 'half' }) } as RequestInit);
    },
    storeFiles: () => readdir(storeDir),
  };
}

export const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';
