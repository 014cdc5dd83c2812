/**
 * Network namespaces for tests: created with names unique to the run, commands run inside
 * them, long-running helpers (listeners) spawned inside them, and everything removed by
 * PID and by namespace afterwards. The host's own network is never touched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type CommandResult, ProcessExecutor, type RunOptions } from '../../../src/network/linux-net/executor.js';

const host = new ProcessExecutor();

/** Runs a command in the test's own namespace (the one the test process is in). */
export function sh(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return host.run(argv, options);
}

export function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A short id for this run, so that parallel runs (and leftovers of killed ones) never collide. */
export function runId(): string {
  return randomBytes(3).toString('hex');
}

export class Namespace {
  readonly name: string;
  readonly #children = new Set<ChildProcess>();

  private constructor(name: string) {
    this.name = name;
  }

  static async create(name: string): Promise<Namespace> {
    await sh(['ip', 'netns', 'add', name]);
    const ns = new Namespace(name);
    await ns.run(['ip', 'link', 'set', 'lo', 'up']);
    return ns;
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    return sh(['ip', 'netns', 'exec', this.name, ...argv], options);
  }

  /**
   * Starts a long-running command inside the namespace and resolves once it prints `ready`
   * on its standard output (or rejects if it exits first).
   */
  spawnReady(argv: readonly string[], timeoutMs = 10_000): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', this.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.add(child);
    child.on('exit', () => this.#children.delete(child));
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} not ready after ${timeoutMs} ms: ${err}`)), timeoutMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve(child);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${argv.join(' ')} exited with ${code}: ${err}`));
      });
    });
  }

  /** Kills what was spawned in it (by PID) and deletes the namespace with its devices. */
  async destroy(): Promise<void> {
    for (const child of this.#children) {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    }
    await sh(['ip', 'netns', 'delete', this.name], { allowedExitCodes: 'any' });
  }
}

/** Resolves when `check` returns true, polling what only another process can change; fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP listener on the given ports that answers `port <n>` and closes; prints `ready` once listening. */
export const LISTENER = `
const net = require('node:net');
const ports = process.argv.slice(1).map(Number);
let up = 0;
for (const port of ports) {
  net.createServer((s) => s.end('port ' + port + '\\n')).listen(port, '0.0.0.0', () => {
    if (++up === ports.length) console.log('ready');
  });
}`;

/** An HTTP server answering every request with the given body; prints `ready` once listening. */
export const HTTP_SERVER = `
const [address, port, body] = process.argv.slice(1);
require('node:http').createServer((q, r) => r.end(body)).listen(Number(port), address, () => console.log('ready'));`;

/** Connects to host:port and prints what the server says, or `timeout` / `error <code>`. */
export const CLIENT = `
const [host, port, timeoutMs] = process.argv.slice(1);
let out = '';
const s = require('node:net').connect({ host, port: Number(port) });
const timer = setTimeout(() => { console.log('timeout'); process.exit(0); }, Number(timeoutMs));
s.on('data', (d) => { out += d; });
s.on('end', () => { clearTimeout(timer); console.log(out.trim()); process.exit(0); });
s.on('error', (e) => { clearTimeout(timer); console.log('error ' + e.code); process.exit(0); });`;

/** Fetches a URL and prints the body, or `error <code>`. (busybox-static's wget crashes resolving even a literal address.) */
export const HTTP_GET = `
require('node:http')
  .get(process.argv[1], { timeout: 5000 }, (r) => { let b = ''; r.on('data', (d) => { b += d; }); r.on('end', () => console.log(b)); })
  .on('error', (e) => console.log('error ' + e.code))
  .on('timeout', function () { console.log('timeout'); this.destroy(); });`;

/** What a TCP connection from `ns` to host:port gets (see CLIENT). */
export async function connectFrom(ns: Namespace, address: string, port: number, timeoutMs = 2000): Promise<string> {
  const r = await ns.run(['node', '-e', CLIENT, address, String(port), String(timeoutMs)], { timeoutMs: timeoutMs + 10_000 });
  return r.stdout.trim();
}
