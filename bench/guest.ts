/**
 * `npm run bench -- guest [--runs N] [--timeout S] [--keep]`: what nova-ts adds to booting a
 * real VM. The embedded cloud runs with compute_driver = qemu; each round times a server
 * from POST /servers to the guest's boot marker (GUEST-MARKER-READY) in its console log,
 * then launches the very QEMU command line the driver used, by hand, on a fresh overlay of
 * the same cached base, and times it to the same marker. Rounds alternate the two so that
 * machine load hits both alike; the bench prints each time, the medians and the difference.
 * Needs QEMU and the test guest (scripts/build-test-image.sh, built on first use).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import '../src/cmd/all-opts.js';
import { setupLogging } from '../src/cmd/common.js';
import { type EmbeddedCloud, startEmbeddedCloud } from '../src/cmd/embedded-cloud.js';
import { prepareStateDir } from '../src/cmd/state-dir.js';
import { Config } from '../src/config/config.js';
import { createOverlay, imageInfo } from '../src/virt/disk/qemu-img.js';
import { withEphemeralPorts } from '../test/support/ephemeral-ports.js';
import { BenchClient, login } from './boot-client.js';

const USAGE = 'usage: npm run bench -- guest [--runs N (5)] [--timeout SECONDS (900)] [--keep]';
const MARKER = 'GUEST-MARKER-READY';
const ROOT = new URL('../', import.meta.url).pathname;

interface Options {
  runs: number;
  timeoutSeconds: number;
  keep: boolean;
}

function parseOptions(args: string[]): Options {
  const o: Options = { runs: 5, timeoutSeconds: 900, keep: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const n = Number(args[i + 1]);
    if (flag === '--keep') o.keep = true;
    else if ((flag === '--runs' || flag === '--timeout') && Number.isInteger(n) && n > 0) {
      if (flag === '--runs') o.runs = n;
      else o.timeoutSeconds = n;
      i++;
    } else throw new Error(`bad argument ${flag}\n${USAGE}`);
  }
  return o;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Resolves with the seconds from `startedAt` until `file` contains the marker. */
async function untilMarker(file: string, startedAt: number, deadline: number): Promise<number> {
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(MARKER)) return (performance.now() - startedAt) / 1000;
    if (Date.now() > deadline) throw new Error(`no ${MARKER} in ${file} before the deadline`);
    await sleep(20);
  }
}

async function ensureTestImage(): Promise<string> {
  const disk = join(ROOT, '.cache', 'test-image', 'tiny.qcow2');
  if (existsSync(disk)) return disk;
  process.stdout.write('building the test guest (scripts/build-test-image.sh) …\n');
  const build = spawn('sh', [join(ROOT, 'scripts', 'build-test-image.sh')], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => build.once('exit', resolve));
  if (code !== 0) throw new Error('scripts/build-test-image.sh failed');
  return disk;
}

/** Seconds since the machine booted, to 10 ms (the clock process start times are given in). */
function uptime(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

/** When a process started, in seconds since the machine booted. */
function processStartedAt(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) / 100;
}

interface CloudRun {
  seconds: number;
  /** POST /servers until QEMU was exec'd: the part of the boot nova-ts itself spends. */
  toLaunchSeconds: number;
  argv: string[];
  instanceDir: string;
  base: { path: string; format: string };
}

async function bootThroughCloud(
  client: BenchClient,
  computeUrl: string,
  imageId: string,
  stateDir: string,
  deadline: number,
): Promise<CloudRun> {
  const t0 = performance.now();
  const postedAt = uptime();
  const posted = await client.fetchJson('POST', `${computeUrl}/servers`, {
    server: { name: 'bench-guest', imageRef: imageId, flavorRef: '1' },
  });
  if (posted.status !== 202) throw new Error(`POST /servers answered ${posted.status}: ${JSON.stringify(posted.body)}`);
  const id = (posted.body as { server: { id: string } }).server.id;
  const instanceDir = join(stateDir, 'instances', id);
  const seconds = await untilMarker(join(instanceDir, 'console.log'), t0, deadline);
  const runFile = readdirSync(instanceDir).find((n) => /^run\.[0-9a-f]+\.json$/.test(n));
  if (!runFile) throw new Error(`no run record in ${instanceDir}`);
  const { pid } = JSON.parse(readFileSync(join(instanceDir, runFile), 'utf8')) as { pid: number };
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const toLaunchSeconds = processStartedAt(pid) - postedAt;
  const info = await imageInfo(join(instanceDir, 'disk'));
  const base = { path: info.backingFile as string, format: info.backingFormat ?? 'raw' };
  await client.fetchJson('DELETE', `${computeUrl}/servers/${id}`);
  while ((await client.fetchJson('GET', `${computeUrl}/servers/${id}`)).status !== 404) {
    if (Date.now() > deadline) throw new Error('the server was not deleted before the deadline');
    await sleep(200);
  }
  return { seconds, toLaunchSeconds, argv, instanceDir, base };
}

/** The driver's own command line, pointed at a scratch copy of the instance directory, started by hand. */
async function bootByHand(run: CloudRun, deadline: number): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'nova-bench-hand-'));
  let child: ChildProcess | null = null;
  try {
    await createOverlay(run.base.path, run.base.format, join(scratch, 'disk'));
    writeFileSync(join(scratch, 'console.log'), '');
    writeFileSync(join(scratch, 'bios-serial-port'), Buffer.from([0xf8, 0x03]));
    const argv = run.argv.slice(1).map((a) => a.split(run.instanceDir).join(scratch));
    // A QMP socket kept outside the instance directory (long paths) moves into the scratch dir too.
    const fixed = argv.map((a) =>
      a.replace(/path=([^,]*\/qmp\.[0-9a-f]+\.sock)/, (_m, p: string) =>
        p.startsWith(scratch) ? `path=${p}` : `path=${join(scratch, 'qmp.sock')}`,
      ),
    );
    mkdirSync(dirname(join(scratch, 'qmp.sock')), { recursive: true });
    const t0 = performance.now();
    // Started the way the driver starts it (a session of its own), so both compete for CPU alike.
    child = spawn(run.argv[0] as string, fixed, { stdio: 'ignore', detached: true });
    return await untilMarker(join(scratch, 'console.log'), t0, deadline);
  } finally {
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function benchGuest(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  const disk = await ensureTestImage();
  const dir = mkdtempSync(join(tmpdir(), 'nova-bench-guest-'));
  const state = prepareStateDir(dir);
  const conf = Config.load({
    configFiles: [state.configFile],
    overrides: withEphemeralPorts({ DEFAULT: { compute_driver: 'qemu', qemu_ssh_forward: false } }),
  });
  setupLogging(conf, 'bench-guest', { sync: true });
  let cloud: EmbeddedCloud | null = null;
  const cloudTimes: number[] = [];
  const handTimes: number[] = [];
  const launchTimes: number[] = [];
  try {
    cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
    const admin = cloud.bootstrap.admin;
    if (admin.password === null) throw new Error('the admin password is not known');
    const session = await login(cloud.identityUrl, admin.userName, admin.password, admin.projectName);
    const computeUrl = session.endpoints.get('compute');
    const imageUrl = session.endpoints.get('image');
    if (!computeUrl || !imageUrl) throw new Error('the catalog lacks compute or image');
    const client = new BenchClient(session.token, deadline);
    const created = await client.fetchJson('POST', `${imageUrl}/v2/images`, {
      name: 'tiny',
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'public',
    });
    const imageId = (created.body as { id: string }).id;
    const put = await fetch(`${imageUrl}/v2/images/${imageId}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': session.token, 'content-type': 'application/octet-stream' },
      body: readFileSync(disk),
    });
    if (put.status !== 204) throw new Error(`image upload answered ${put.status}`);

    // A first boot fills the image cache, as any host's first server of an image does; it is not timed.
    await bootThroughCloud(client, computeUrl, imageId, state.root, deadline);
    for (let i = 0; i < o.runs; i++) {
      const run = await bootThroughCloud(client, computeUrl, imageId, state.root, deadline);
      cloudTimes.push(run.seconds);
      handTimes.push(await bootByHand(run, deadline));
      launchTimes.push(run.toLaunchSeconds);
      process.stdout.write(
        `round ${i + 1}: POST /servers → marker ${run.seconds.toFixed(2)} s (QEMU started after ${run.toLaunchSeconds.toFixed(2)} s); same QEMU by hand → marker ${handTimes[i]?.toFixed(2)} s\n`,
      );
    }
    client.close();
  } finally {
    await cloud?.stop();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  const cloudMedian = median(cloudTimes);
  const handMedian = median(handTimes);
  process.stdout.write(
    [
      '',
      `guest boot to ${MARKER} (median of ${o.runs}; load average ${loadavg()[0]?.toFixed(1)})`,
      `  through nova-ts (POST /servers)  ${cloudMedian.toFixed(2)} s`,
      `  same QEMU command by hand        ${handMedian.toFixed(2)} s`,
      `  nova-ts adds                     ${(cloudMedian - handMedian).toFixed(2)} s   (target < 0.50 s)`,
      `  of which POST → QEMU started     ${median(launchTimes).toFixed(2)} s`,
      '',
    ].join('\n'),
  );
}
