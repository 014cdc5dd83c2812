/**
 * A Compute API over real HTTP for functional tests: a migrated SQLite database in a
 * temp dir that is also the state_path (so nothing lands in /var/lib/nova), noauth2 tokens (`user:project`, admin when the user is `admin`), the real
 * policy enforcer and the resource modules of src/api/openstack/compute.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoAuth2Strategy } from '../../../src/api/auth/noauth2.js';
import { type ComputeApiServices, computeResources } from '../../../src/api/openstack/compute/index.js';
import { type RunningApi, startComputeApi } from '../../../src/api/server.js';
import '../../../src/cmd/all-opts.js';
import type { ResourceModule } from '../../../src/api/openstack/routing.js';
import { createComputeApiServices } from '../../../src/cmd/compute-resources.js';
import { Config } from '../../../src/config/config.js';
import type { Db } from '../../../src/db/api/common.js';
import { openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected freely
  json: any;
}

export interface ComputeHarness {
  url: string;
  db: Db;
  services: ComputeApiServices;
  conf: Config;
  /** `as` is a noauth2 token `user:project`. */
  call(method: string, path: string, as: string, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

/** Starts the API on 127.0.0.1 port 0 with the given resource modules (default: all of ours). */
export async function startComputeHarness(
  options: { overrides?: Record<string, Record<string, unknown>>; resources?: (s: ComputeApiServices, db: Db) => ResourceModule[] } = {},
): Promise<ComputeHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-compute-api-'));
  const db = await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`);
  await migrate(db, NOVA_REPOSITORY, novaMigrations);
  const conf = Config.load({
    overrides: {
      ...options.overrides,
      DEFAULT: {
        osapi_compute_listen: '127.0.0.1',
        osapi_compute_listen_port: 0,
        auth_strategy: 'noauth2',
        state_path: dir,
        ...(options.overrides?.DEFAULT ?? {}),
      },
    },
  });
  const services = createComputeApiServices(conf, db);
  const resources = options.resources ? options.resources(services, db) : computeResources.map((f) => f(services));
  const api: RunningApi = await startComputeApi(conf, { auth: new NoAuth2Strategy(), policy: new PolicyEnforcer(conf), resources });
  return {
    url: api.url,
    db,
    services,
    conf,
    async call(method, path, as, body) {
      const headers: Record<string, string> = { 'X-Auth-Token': as };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(`${api.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: text === '' ? undefined : JSON.parse(text) };
    },
    async close() {
      await api.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
