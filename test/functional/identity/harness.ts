import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../../src/config/config.js';
import '../../../src/db/opts.js';
import { type BootstrapResult, bootstrapIdentity } from '../../../src/identity/bootstrap.js';
import '../../../src/identity/opts.js';
import { type RunningIdentityService, startIdentityService } from '../../../src/identity/server.js';

export const ADMIN_PASSWORD = 'admin-secret';
export const DEMO_PASSWORD = 'demo-secret';

export interface Harness {
  dir: string;
  dbUrl: string;
  running: RunningIdentityService;
  accounts: BootstrapResult;
  /** Restarts the service on the same database file. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(overrides: Record<string, unknown> = {}, clock?: () => Date): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-identity-'));
  const dbUrl = `sqlite:///${join(dir, 'identity.sqlite')}`;
  // The identity URL comes from the bound port (public_host), so real clients can follow it.
  const identity = {
    connection: dbUrl,
    public_host: '127.0.0.1',
    compute_endpoint: 'http://cloud.test:8774/v2.1',
    image_endpoint: 'http://cloud.test:9292',
    ...overrides,
  };
  const conf = Config.load({ overrides: { identity } });
  const deps = {
    host: '127.0.0.1',
    port: 0,
    ...(clock ? { now: clock } : {}),
  };
  const h: Harness = {
    dir,
    dbUrl,
    running: await startIdentityService(conf, deps),
    accounts: undefined as unknown as BootstrapResult,
    async restart() {
      await h.running.close();
      h.running = await startIdentityService(conf, deps);
    },
    async stop() {
      await h.running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  h.accounts = await bootstrapIdentity(h.running.service, { adminPassword: ADMIN_PASSWORD, demoPassword: DEMO_PASSWORD });
  return h;
}

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes; the assertions check them
  body: any;
}

export async function call(
  h: Harness,
  method: string,
  path: string,
  options: { token?: string; subject?: string; body?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token) headers['X-Auth-Token'] = options.token;
  if (options.subject) headers['X-Subject-Token'] = options.subject;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${h.running.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

export function passwordAuth(user: Record<string, unknown>, password: string, scope?: unknown): unknown {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...user, password } } },
      ...(scope !== undefined ? { scope } : {}),
    },
  };
}

/** A project-scoped token for a user in the default domain, by names. */
export async function tokenFor(h: Harness, user: string, password: string, project: string): Promise<string> {
  const r = await call(h, 'POST', '/v3/auth/tokens', {
    body: passwordAuth({ name: user, domain: { name: 'Default' } }, password, { project: { name: project, domain: { id: 'default' } } }),
  });
  if (r.status !== 201) throw new Error(`auth as ${user} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.headers.get('x-subject-token') as string;
}
