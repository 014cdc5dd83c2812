/**
 * A real `nova-all --state-dir DIR` process for the crash tests: started on ephemeral ports
 * with short service intervals, driven over HTTP, killed (SIGKILL or SIGTERM, by its PID)
 * and started again on the same state directory. The state is inspected through the
 * cloud's SQLite file, opened read-only, for what no API shows (fixed IP rows).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { login, uploadTinyImage } from '../../../bench/boot-client.js';
import { ephemeralPortsConf } from '../../support/ephemeral-ports.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const ADMIN_PASSWORD = 'crash-admin';
const DEMO_PASSWORD = 'crash-demo';
/** A bound on start-up (tsx compiles on the fly), not a pace. */
const START_TIMEOUT_MS = 90_000;

/**
 * Seconds: heartbeats every second, a service down after 4 s of silence, periodic passes at
 * least every second, so that recovery bounded by these finishes within a test's patience.
 */
export const SERVICE_DOWN_TIME = 4;

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ServerView {
  id: string;
  status: string;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-SRV-ATTR:host'?: string | null;
  addresses: Record<string, Array<{ addr: string }>>;
  fault?: { message: string; code: number };
}

export interface FixedIpRow {
  address: string;
  instance_uuid: string | null;
  allocated: number;
}

export interface ProcessSettings {
  /** `[DEFAULT]` options over the crash tests' defaults. */
  options?: Record<string, string | number>;
}

/** One running nova-all; `start` again after it is gone to run it on the same state. */
export class NovaAllProcess {
  readonly stateDir: string;
  readonly #extraConf: string;
  #child: ChildProcess | null = null;
  #output = '';
  computeUrl = '';
  identityUrl = '';
  imageUrl = '';
  /** The S3 object store, `http://host:port`. */
  objectstoreUrl = '';
  adminToken = '';
  demoToken = '';
  demoProject = '';

  constructor(settings: ProcessSettings = {}) {
    this.stateDir = mkdtempSync(join(tmpdir(), 'nova-crash-'));
    this.#extraConf = join(this.stateDir, 'test.conf');
    this.configure(settings);
  }

  /** Writes the settings the next start reads. */
  configure(settings: ProcessSettings): void {
    const defaults: Record<string, string | number> = {
      report_interval: 1,
      service_down_time: SERVICE_DOWN_TIME,
      periodic_fuzzy_delay: 0,
      periodic_interval_max: 1,
      graceful_shutdown_timeout: 30,
      // Room for every server a test boots: quotas off, a fake host big enough.
      quota_instances: -1,
      quota_cores: -1,
      quota_ram: -1,
      fake_vcpus: 64,
      fake_memory_mb: 131072,
      notification_driver: 'log',
    };
    const options = { ...defaults, ...settings.options };
    writeFileSync(
      this.#extraConf,
      [
        ephemeralPortsConf(),
        '[DEFAULT]',
        ...Object.entries(options).map(([k, v]) => `${k} = ${v}`),
        '[identity]',
        `admin_password = ${ADMIN_PASSWORD}`,
        `demo_password = ${DEMO_PASSWORD}`,
        '',
      ].join('\n'),
    );
  }

  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  get output(): string {
    return this.#output;
  }

  /** Starts nova-all and logs in as admin and demo once its summary is printed. */
  async start(): Promise<void> {
    this.#output = '';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cmd/nova-all.ts', '--state-dir', this.stateDir, '--config-file', this.#extraConf],
      // The test runner silences logs; these processes keep theirs (notifications go there too).
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NOVA_LOG_LEVEL: 'info' } },
    );
    this.#child = child;
    const summary = /compute API\s+(\S+)\/v2\.1[\s\S]*identity API\s+(\S+)[\s\S]*image API\s+(\S+)[\s\S]*state\s/;
    const urls = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`nova-all did not start in time:\n${this.#output}`));
      }, START_TIMEOUT_MS);
      const collect = (d: Buffer): void => {
        this.#output += d.toString();
        const m = summary.exec(this.#output);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nova-all exited with ${code} before it was up:\n${this.#output}`));
      });
    });
    [, this.computeUrl, this.identityUrl, this.imageUrl] = urls as unknown as [string, string, string, string];
    this.computeUrl = `${this.computeUrl}/v2.1`;
    this.objectstoreUrl = /object store\s+(\S+)/.exec(this.#output)?.[1] ?? '';
    this.adminToken = (await login(this.identityUrl, 'admin', ADMIN_PASSWORD, 'admin')).token;
    const demo = await login(this.identityUrl, 'demo', DEMO_PASSWORD, 'demo');
    this.demoToken = demo.token;
  }

  uploadImage(): Promise<string> {
    return uploadTinyImage(this.imageUrl, this.adminToken);
  }

  /** SIGKILL by PID; resolves once the process is gone. */
  kill(): Promise<void> {
    return this.#signal('SIGKILL').then(() => undefined);
  }

  /** SIGTERM by PID; resolves with the exit code. */
  terminate(): Promise<number | null> {
    return this.#signal('SIGTERM');
  }

  async #signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(child.pid as number, signal);
    return exited;
  }

  async call<T = unknown>(method: string, path: string, body?: unknown, token = this.demoToken): Promise<HttpResult<T>> {
    const response = await fetch(`${this.computeUrl}${path}`, {
      method,
      headers: {
        'x-auth-token': token,
        accept: 'application/json',
        'x-openstack-nova-api-version': '2.1',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Every server of the demo project, seen by the admin (task state, host, fault). */
  async servers(): Promise<ServerView[]> {
    const r = await this.call<{ servers: ServerView[] }>('GET', '/servers/detail?all_tenants=1', undefined, this.adminToken);
    if (r.status !== 200) throw new Error(`server list answered ${r.status}`);
    return r.body.servers;
  }

  /** Polls (every 250 ms, up to `timeoutMs`) until `done` holds for the server list; returns the last list. */
  async waitForServers(done: (servers: ServerView[]) => boolean, timeoutMs: number): Promise<ServerView[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const servers = await this.servers();
      if (done(servers) || Date.now() > deadline) return servers;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  #query<T>(text: string): T[] {
    const db = new Database(join(this.stateDir, 'nova.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(text).all() as T[];
    } finally {
      db.close();
    }
  }

  /** Seconds since each service's last heartbeat, by binary. */
  heartbeatAges(): Map<string, number> {
    const rows = this.#query<{ binary: string; at: string }>(
      'SELECT binary, coalesce(updated_at, created_at) AS at FROM services WHERE deleted = 0',
    );
    return new Map(rows.map((r) => [r.binary, (Date.now() - Date.parse(`${r.at.replace(' ', 'T')}Z`)) / 1000]));
  }

  /** The fixed IP rows that are allocated or still name an instance. */
  fixedIpsInUse(): FixedIpRow[] {
    return this.#query<FixedIpRow>(
      'SELECT address, instance_uuid, allocated FROM fixed_ips WHERE deleted = 0 AND (allocated = 1 OR instance_uuid IS NOT NULL)',
    );
  }

  /** The process's log (notifications included, through the log driver). */
  log(): string {
    return readFileSync(join(this.stateDir, 'logs', 'nova-all.log'), 'utf8');
  }

  /** Kills a process still running and removes the state directory. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/**
 * POSTs `count` servers, `concurrency` at a time; `onAccepted` sees every 202 as it comes.
 * A 503 is kept in `refused`; a request the dead process never answered counts in `failed`.
 */
export async function bootStorm(
  cloud: NovaAllProcess,
  options: { count: number; concurrency: number; imageId: string; onAccepted?: (accepted: number) => void },
): Promise<{ accepted: string[]; refused: HttpResult[]; failed: number }> {
  const accepted: string[] = [];
  const refused: HttpResult[] = [];
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.count) {
      const n = next++;
      try {
        const r = await cloud.call<{ server: { id: string } }>('POST', '/servers', {
          server: { name: `storm-${n}`, imageRef: options.imageId, flavorRef: '1' },
        });
        if (r.status === 202) {
          accepted.push(r.body.server.id);
          options.onAccepted?.(accepted.length);
        } else if (r.status === 503) {
          refused.push(r);
        } else {
          throw new Error(`POST /servers answered ${r.status}: ${JSON.stringify(r.body)}`);
        }
      } catch (err) {
        if ((err as Error).message.startsWith('POST /servers answered')) throw err;
        // The process went away under the request: the connection was refused or reset.
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { accepted, refused, failed };
}
