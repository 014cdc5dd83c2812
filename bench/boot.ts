/**
 * `npm run bench -- boot [--count N] [--requests R] [--timeout S] [--keep]`: the whole
 * embedded cloud (fake driver) in this process, driven over HTTP as a client would, in the
 * shape of tools/bench/bench.py: N servers booted with 10 POSTs in flight and polled until
 * ACTIVE, then sequential GET latencies with the N present, and the process's peak RSS.
 * Bounded: at most N boots, a fixed number of GETs, only to 127.0.0.1, one overall deadline.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../src/cmd/all-opts.js';
import { setupLogging } from '../src/cmd/common.js';
import { type EmbeddedCloud, startEmbeddedCloud } from '../src/cmd/embedded-cloud.js';
import { prepareStateDir } from '../src/cmd/state-dir.js';
import { Config } from '../src/config/config.js';
import { openConfiguredDatabase } from '../src/db/manage.js';
import { NOVA_REPOSITORY, novaMigrations } from '../src/db/migrations/nova/index.js';
import { migrate } from '../src/db/migrator.js';
import { DEFAULT_NETWORK, ensureDefaultNetwork } from '../src/network/bootstrap.js';
import { withEphemeralPorts } from '../test/support/ephemeral-ports.js';
import { BenchClient, login, uploadTinyImage } from './boot-client.js';

export interface Options {
  count: number;
  concurrency: number;
  requests: number;
  warmup: number;
  timeoutSeconds: number;
  pollSeconds: number;
  keep: boolean;
}

const USAGE = 'usage: npm run bench -- boot [--count N] [--concurrency C] [--requests R] [--warmup W] [--timeout SECONDS] [--keep]';
/** m1.tiny: the flavor every boot asks for. */
const FLAVOR = { id: '1', vcpus: 1, memoryMb: 512, rootGb: 1 };
/** Addresses of the default /24 the embedded cloud creates that are left after its reserved ones, with a margin. */
const DEFAULT_NETWORK_ROOM = 240;

export function parseOptions(args: string[]): Options {
  const o: Options = { count: 200, concurrency: 10, requests: 100, warmup: 5, timeoutSeconds: 600, pollSeconds: 1, keep: false };
  const positive = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--keep') o.keep = true;
    else if (flag === '--count') o.count = positive(flag, args[++i]);
    else if (flag === '--concurrency') o.concurrency = positive(flag, args[++i]);
    else if (flag === '--requests') o.requests = positive(flag, args[++i]);
    else if (flag === '--warmup') o.warmup = positive(flag, args[++i]);
    else if (flag === '--timeout') o.timeoutSeconds = positive(flag, args[++i]);
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return o;
}

/** The smallest network (never under the default /24) with room for `count` servers and the reserved addresses. */
export function networkFor(count: number): { cidr: string; network_size: number } | null {
  if (count <= DEFAULT_NETWORK_ROOM) return null;
  let prefix = 24;
  while (2 ** (32 - prefix) < count + 16) prefix--;
  if (prefix < 8) throw new Error(`--count ${count} needs more than a /8`);
  return { cidr: `10.0.0.0/${prefix}`, network_size: 2 ** (32 - prefix) };
}

/** A hypervisor, quotas and scheduler limits that fit N m1.tiny servers on the one fake compute host. */
export function overridesFor(count: number, network: { network_size: number } | null): Record<string, Record<string, unknown>> {
  return withEphemeralPorts({
    DEFAULT: {
      quota_instances: -1,
      quota_cores: -1,
      quota_ram: -1,
      fake_vcpus: count * FLAVOR.vcpus,
      fake_memory_mb: count * FLAVOR.memoryMb + 4096,
      fake_local_gb: Math.max(1028, count * FLAVOR.rootGb + 100),
      max_instances_per_host: count + 1,
      ...(network ? { network_size: network.network_size } : {}),
    },
  });
}

export async function prepareNetwork(conf: Config, network: { cidr: string; network_size: number }): Promise<void> {
  const db = await openConfiguredDatabase(conf);
  try {
    await migrate(db, NOVA_REPOSITORY, novaMigrations);
    await ensureDefaultNetwork(db, conf, { ...DEFAULT_NETWORK, ...network });
  } finally {
    await db.close();
  }
}

interface Stats {
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

export function stats(samples: number[]): Stats | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return {
    p50: at(0.5),
    p95: at(0.95),
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

export interface ServerView {
  id: string;
  status: string;
  fault?: { message?: string };
}

export interface BootResult {
  posted: number;
  accepted: number;
  postFailures: Map<string, number>;
  postMs: number[];
  allAnsweredSeconds: number;
  active: number;
  error: number;
  pending: Map<string, number>;
  faults: Map<string, number>;
  activeSeconds: number | null;
  pollMs: number[];
  ids: string[];
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Every server whose name starts with `prefix`, following `servers_links` past the page limit. */
export async function listByPrefix(client: BenchClient, computeUrl: string, prefix: string): Promise<ServerView[]> {
  const servers: ServerView[] = [];
  let url: string | null = `${computeUrl}/servers/detail?name=${encodeURIComponent(`^${prefix}`)}`;
  while (url) {
    const res = await client.fetchJson('GET', url);
    if (res.status !== 200) throw new Error(`GET /servers/detail answered ${res.status}: ${JSON.stringify(res.body)}`);
    const body = res.body as { servers: ServerView[]; servers_links?: Array<{ rel: string; href: string }> };
    servers.push(...body.servers);
    const next = body.servers_links?.find((l) => l.rel === 'next')?.href ?? null;
    url = next && body.servers.length > 0 ? next : null;
  }
  return servers;
}

export async function bootServers(
  client: BenchClient,
  computeUrl: string,
  imageId: string,
  prefix: string,
  o: Options,
): Promise<BootResult> {
  const r: BootResult = {
    posted: 0,
    accepted: 0,
    postFailures: new Map(),
    postMs: [],
    allAnsweredSeconds: 0,
    active: 0,
    error: 0,
    pending: new Map(),
    faults: new Map(),
    activeSeconds: null,
    pollMs: [],
    ids: [],
  };
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.count && client.remainingMs() > 0) {
      const index = next++;
      const name = `${prefix}${String(index).padStart(4, '0')}`;
      r.posted++;
      const t = performance.now();
      try {
        const res = await client.fetchJson('POST', `${computeUrl}/servers`, { server: { name, imageRef: imageId, flavorRef: FLAVOR.id } });
        r.postMs.push(performance.now() - t);
        if (res.status === 202) r.accepted++;
        else bump(r.postFailures, `${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      } catch (err) {
        bump(r.postFailures, (err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  r.allAnsweredSeconds = (performance.now() - start) / 1000;

  while (r.accepted > 0 && client.remainingMs() > 0) {
    const t = performance.now();
    let servers: ServerView[];
    try {
      servers = await listByPrefix(client, computeUrl, prefix);
    } catch (err) {
      if (client.remainingMs() <= 0) break;
      throw err;
    }
    r.pollMs.push(performance.now() - t);
    r.active = servers.filter((s) => s.status === 'ACTIVE').length;
    r.error = servers.filter((s) => s.status === 'ERROR').length;
    r.pending = new Map();
    r.faults = new Map();
    for (const s of servers) {
      if (s.status === 'ERROR') bump(r.faults, s.fault?.message ?? '(no fault)');
      else if (s.status !== 'ACTIVE') bump(r.pending, s.status);
    }
    r.ids = servers.filter((s) => s.status === 'ACTIVE').map((s) => s.id);
    if (servers.length >= r.accepted && r.active + r.error === servers.length) {
      r.activeSeconds = (performance.now() - start) / 1000;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, o.pollSeconds * 1000));
  }
  return r;
}

interface Latency {
  label: string;
  stats: Stats | null;
  bytes: number;
  failures: number;
}

/** `warmup` unmeasured then `requests` measured sequential GETs over the one keep-alive connection. */
async function latency(client: BenchClient, label: string, url: () => string, o: Options): Promise<Latency> {
  const samples: number[] = [];
  let bytes = 0;
  let failures = 0;
  for (let i = 0; i < o.warmup + o.requests && client.remainingMs() > 0; i++) {
    const t = performance.now();
    const res = await client.getKeepAlive(url());
    const ms = performance.now() - t;
    if (res.status !== 200) failures++;
    if (i >= o.warmup) {
      samples.push(ms);
      bytes = res.bytes;
    }
  }
  return { label, stats: stats(samples), bytes, failures };
}

function fmt(ms: number): string {
  return ms.toFixed(1);
}

function report(o: Options, startupSeconds: number, boot: BootResult, latencies: Latency[], timedOut: boolean): string {
  const lines: string[] = [];
  lines.push(`boot bench: ${o.count} × m1.tiny, fake driver, embedded cloud in one process (pid ${process.pid})`);
  lines.push(`  cloud start-up              ${startupSeconds.toFixed(2)} s`);
  lines.push(`  POSTs sent / 202 accepted   ${boot.posted} / ${boot.accepted}`);
  for (const [what, n] of boot.postFailures) lines.push(`    failed POST ×${n}: ${what}`);
  const post = stats(boot.postMs);
  if (post)
    lines.push(`  POST latency ms             p50 ${fmt(post.p50)}  p95 ${fmt(post.p95)}  mean ${fmt(post.mean)}  max ${fmt(post.max)}`);
  lines.push(`  all POSTs answered          ${boot.allAnsweredSeconds.toFixed(2)} s`);
  lines.push(`  ACTIVE / ERROR              ${boot.active} / ${boot.error}`);
  for (const [status, n] of boot.pending) lines.push(`    still ${status}: ${n}`);
  for (const [message, n] of boot.faults) lines.push(`    ERROR ×${n}: ${message}`);
  lines.push(
    boot.activeSeconds === null
      ? '  all ACTIVE after             not reached'
      : `  all ACTIVE after            ${boot.activeSeconds.toFixed(2)} s  (${(boot.active / boot.activeSeconds).toFixed(1)} servers/s, from the first POST)`,
  );
  const poll = stats(boot.pollMs);
  if (poll) lines.push(`  poll latency ms             p50 ${fmt(poll.p50)}  max ${fmt(poll.max)}  (${boot.pollMs.length} polls)`);
  lines.push('');
  lines.push(`  sequential GETs (${o.warmup} warm-up + ${o.requests}, one keep-alive connection), ms:`);
  lines.push(`  ${'request'.padEnd(22)}${['p50', 'p95', 'mean', 'min', 'max'].map((h) => h.padStart(8)).join('')}   body bytes`);
  for (const l of latencies) {
    const s = l.stats;
    const cols = s ? [s.p50, s.p95, s.mean, s.min, s.max].map((v) => fmt(v).padStart(8)).join('') : '     (no samples)';
    lines.push(`  ${l.label.padEnd(22)}${cols}   ${l.bytes}${l.failures ? `   (${l.failures} non-200)` : ''}`);
  }
  lines.push('');
  lines.push(`  peak RSS of the process     ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  if (timedOut) lines.push(`  stopped by the ${o.timeoutSeconds} s deadline: the numbers above are what was measured until then`);
  return `${lines.join('\n')}\n`;
}

export async function benchBoot(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  const stateRoot = mkdtempSync(join(tmpdir(), 'nova-bench-boot-'));
  const state = prepareStateDir(stateRoot);
  const network = networkFor(o.count);
  const conf = Config.load({ configFiles: [state.configFile], overrides: overridesFor(o.count, network) });
  setupLogging(conf, 'bench-boot');
  let cloud: EmbeddedCloud | null = null;
  let client: BenchClient | null = null;
  try {
    if (network) await prepareNetwork(conf, network);
    const startAt = performance.now();
    cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
    const startupSeconds = (performance.now() - startAt) / 1000;
    const admin = cloud.bootstrap.admin;
    if (admin.password === null) throw new Error('the admin password is not known');
    const session = await login(cloud.identityUrl, admin.userName, admin.password, admin.projectName);
    const computeUrl = session.endpoints.get('compute');
    const imageUrl = session.endpoints.get('image');
    if (!computeUrl || !imageUrl) throw new Error(`the catalog lacks compute or image: ${[...session.endpoints.keys()].join(', ')}`);
    const imageId = await uploadTinyImage(imageUrl, session.token);

    client = new BenchClient(session.token, deadline);
    const prefix = `bench-${o.count}-${randomBytes(3).toString('hex')}-`;
    const boot = await bootServers(client, computeUrl, imageId, prefix, o);
    const ids = boot.ids;
    let pick = 0;
    const latencies = [
      await latency(client, 'GET /servers/detail', () => `${computeUrl}/servers/detail`, o),
      await latency(client, 'GET /flavors/detail', () => `${computeUrl}/flavors/detail`, o),
    ];
    if (ids.length > 0) {
      // A fixed walk through the ids rather than random picks, so runs are comparable.
      latencies.push(await latency(client, 'GET /servers/{id}', () => `${computeUrl}/servers/${ids[pick++ % ids.length]}`, o));
    }
    process.stdout.write(report(o, startupSeconds, boot, latencies, Date.now() >= deadline));
  } finally {
    client?.close();
    if (cloud) await cloud.stop();
    if (o.keep) process.stderr.write(`state directory kept: ${state.root} (logs in ${state.logDir})\n`);
    else rmSync(stateRoot, { recursive: true, force: true });
  }
}
