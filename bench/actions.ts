/**
 * `npm run bench -- actions [--count N] [--concurrency C] [--timeout S] [--keep]`: the boot
 * bench's N servers brought to ACTIVE, then one server action after another on all of them
 * (stop, start, reboot), C requests in flight, each phase polled until every server reached
 * the action's end state. Reports per phase the seconds until every POST was answered
 * (and so requests/s) and until every server got there. Bounded by one overall deadline.
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
import { bootServers, listByPrefix, networkFor, type Options, overridesFor, parseOptions, prepareNetwork } from './boot.js';
import { BenchClient, login, uploadTinyImage } from './boot-client.js';

interface Phase {
  name: string;
  body: Record<string, unknown>;
  /** The status every server shows once the action is done. */
  done: string;
}

const PHASES: readonly Phase[] = [
  { name: 'stop', body: { 'os-stop': null }, done: 'SHUTOFF' },
  { name: 'start', body: { 'os-start': null }, done: 'ACTIVE' },
  { name: 'reboot', body: { reboot: { type: 'SOFT' } }, done: 'ACTIVE' },
];

interface PhaseResult {
  name: string;
  accepted: number;
  failures: Map<string, number>;
  answeredSeconds: number;
  doneSeconds: number | null;
  reached: number;
}

async function runPhase(
  client: BenchClient,
  computeUrl: string,
  prefix: string,
  ids: string[],
  phase: Phase,
  o: Options,
): Promise<PhaseResult> {
  const r: PhaseResult = { name: phase.name, accepted: 0, failures: new Map(), answeredSeconds: 0, doneSeconds: null, reached: 0 };
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length && client.remainingMs() > 0) {
      const id = ids[next++] as string;
      const res = await client.fetchJson('POST', `${computeUrl}/servers/${id}/action`, phase.body);
      if (res.status === 202) r.accepted++;
      else {
        const key = `${res.status} ${JSON.stringify(res.body).slice(0, 160)}`;
        r.failures.set(key, (r.failures.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  r.answeredSeconds = (performance.now() - start) / 1000;
  const wanted = new Set(ids);
  while (client.remainingMs() > 0) {
    const servers = (await listByPrefix(client, computeUrl, prefix)).filter((s) => wanted.has(s.id));
    const view = servers as Array<{ status: string; 'OS-EXT-STS:task_state'?: string | null }>;
    r.reached = view.filter((s) => s.status === phase.done && !s['OS-EXT-STS:task_state']).length;
    if (r.reached === ids.length) {
      r.doneSeconds = (performance.now() - start) / 1000;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, o.pollSeconds * 1000));
  }
  return r;
}

function report(o: Options, booted: number, bootSeconds: number | null, phases: PhaseResult[], timedOut: boolean): string {
  const lines = [`actions bench: ${o.count} × m1.tiny, fake driver, ${o.concurrency} requests in flight (pid ${process.pid})`];
  lines.push(`  ACTIVE before the actions   ${booted}${bootSeconds === null ? '' : ` (after ${bootSeconds.toFixed(2)} s)`}`);
  lines.push(`  ${'phase'.padEnd(10)}${'202s'.padStart(6)}${'POSTs s'.padStart(10)}${'req/s'.padStart(9)}${'all done s'.padStart(12)}`);
  for (const p of phases) {
    const rate = p.answeredSeconds > 0 ? (p.accepted / p.answeredSeconds).toFixed(1) : '-';
    const done = p.doneSeconds === null ? `not reached (${p.reached})` : p.doneSeconds.toFixed(2);
    lines.push(
      `  ${p.name.padEnd(10)}${String(p.accepted).padStart(6)}${p.answeredSeconds.toFixed(2).padStart(10)}${rate.padStart(9)}${done.padStart(12)}`,
    );
    for (const [what, n] of p.failures) lines.push(`    failed ×${n}: ${what}`);
  }
  lines.push('  resize+confirm: not measured, resize is not served yet');
  if (timedOut) lines.push(`  stopped by the ${o.timeoutSeconds} s deadline`);
  return `${lines.join('\n')}\n`;
}

export async function benchActions(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  const stateRoot = mkdtempSync(join(tmpdir(), 'nova-bench-actions-'));
  const state = prepareStateDir(stateRoot);
  const network = networkFor(o.count);
  const conf = Config.load({ configFiles: [state.configFile], overrides: overridesFor(o.count, network) });
  setupLogging(conf, 'bench-actions');
  let cloud: EmbeddedCloud | null = null;
  let client: BenchClient | null = null;
  try {
    if (network) await prepareNetwork(conf, network);
    cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
    const admin = cloud.bootstrap.admin;
    if (admin.password === null) throw new Error('the admin password is not known');
    const session = await login(cloud.identityUrl, admin.userName, admin.password, admin.projectName);
    const computeUrl = session.endpoints.get('compute');
    const imageUrl = session.endpoints.get('image');
    if (!computeUrl || !imageUrl) throw new Error(`the catalog lacks compute or image: ${[...session.endpoints.keys()].join(', ')}`);
    const imageId = await uploadTinyImage(imageUrl, session.token);
    client = new BenchClient(session.token, deadline);
    const prefix = `bench-actions-${randomBytes(3).toString('hex')}-`;
    const boot = await bootServers(client, computeUrl, imageId, prefix, o);
    const phases: PhaseResult[] = [];
    for (const phase of PHASES) {
      if (client.remainingMs() <= 0 || boot.ids.length === 0) break;
      phases.push(await runPhase(client, computeUrl, prefix, boot.ids, phase, o));
    }
    process.stdout.write(report(o, boot.ids.length, boot.activeSeconds, phases, Date.now() >= deadline));
  } finally {
    client?.close();
    if (cloud) await cloud.stop();
    if (o.keep) process.stderr.write(`state directory kept: ${state.root} (logs in ${state.logDir})\n`);
    else rmSync(stateRoot, { recursive: true, force: true });
  }
}
