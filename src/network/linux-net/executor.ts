/**
 * The one door through which nova-network and the iptables firewall touch the host (the
 * rootwrap of Grizzly's nova/utils.py execute): every command is an argv array, never a
 * shell string, so nothing a tenant names (a label, a hostname) can become shell syntax.
 *
 * A ProcessExecutor runs commands for real, optionally behind a prefix such as
 * `ip netns exec <ns>`, which is how the namespace tests run the real driver without
 * touching the host's own network. A RecordingExecutor runs nothing and remembers what it
 * was asked; it backs `fake_network` and the unit tests.
 */
import { spawn } from 'node:child_process';
import { getLogger } from '../../common/log.js';
import { ProcessExecutionError } from './errors.js';

const log = getLogger('nova.network.linux_net.execute');

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  /** Written to the command's standard input (iptables-restore reads its rules there). */
  input?: string;
  /** Exit codes that count as success; default [0]. `'any'` never throws on the exit code. */
  allowedExitCodes?: readonly number[] | 'any';
  /** Tries before giving up on a failing command (iptables-save/restore use 5, as Grizzly). */
  attempts?: number;
  /** Milliseconds before the command is killed and counted as failed; default 60 s. */
  timeoutMs?: number;
}

export interface CommandExecutor {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

function accepted(code: number, allowed: RunOptions['allowedExitCodes']): boolean {
  if (allowed === 'any') return true;
  return (allowed ?? [0]).includes(code);
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs commands as child processes of this one, each behind `prefix` when one is given. */
export class ProcessExecutor implements CommandExecutor {
  readonly prefix: readonly string[];

  constructor(options: { prefix?: readonly string[] } = {}) {
    this.prefix = options.prefix ?? [];
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    if (argv.length === 0) throw new TypeError('empty command');
    const attempts = Math.max(1, options.attempts ?? 1);
    let last: ProcessExecutionError | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const result = await this.#once(argv, options);
      if (result instanceof ProcessExecutionError) {
        last = result;
        log.debug({ argv, attempt, err: result.message }, 'command failed');
        continue;
      }
      return result;
    }
    throw last as ProcessExecutionError;
  }

  #once(argv: readonly string[], options: RunOptions): Promise<CommandResult | ProcessExecutionError> {
    const full = [...this.prefix, ...argv];
    log.debug({ argv: full }, 'running command');
    return new Promise((resolve) => {
      const child = spawn(full[0] as string, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let settled = false;
      const finish = (value: CommandResult | ProcessExecutionError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      };
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(
          new ProcessExecutionError(
            full,
            null,
            Buffer.concat(out).toString(),
            Buffer.concat(err).toString(),
            `timed out after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (e) => finish(new ProcessExecutionError(full, null, '', '', e.message)));
      // 'close' (not 'exit'): the output is complete only once the pipes are closed. Daemons
      // (dnsmasq, radvd) close their inherited pipes when they detach, so this does not hang.
      child.on('close', (code, signal) => {
        const stdout = Buffer.concat(out).toString();
        const stderr = Buffer.concat(err).toString();
        if (code === null) {
          finish(new ProcessExecutionError(full, null, stdout, stderr, `killed by ${signal ?? 'a signal'}`));
          return;
        }
        if (accepted(code, options.allowedExitCodes)) finish({ stdout, stderr, exitCode: code });
        else finish(new ProcessExecutionError(full, code, stdout, stderr));
      });
      child.stdin.on('error', () => {
        // A command that exits without reading its input closes the pipe early; its exit code tells the story.
      });
      child.stdin.end(options.input ?? '');
    });
  }
}

/** Runs every command inside the network namespace `name` (`ip netns exec <name> ...`). */
export function namespaceExecutor(name: string): ProcessExecutor {
  return new ProcessExecutor({ prefix: ['ip', 'netns', 'exec', name] });
}

export interface RecordedCommand {
  argv: string[];
  input: string | null;
}

/** What a RecordingExecutor answers a command with: a result, or undefined for an empty success. */
export type Responder = (argv: readonly string[], input: string | null) => Partial<CommandResult> | undefined;

/**
 * Runs nothing: remembers each command and answers it from `responder` (default: exit 0,
 * no output). Exit codes the caller does not accept still throw, so error paths can be
 * driven from tests.
 */
export class RecordingExecutor implements CommandExecutor {
  readonly commands: RecordedCommand[] = [];
  readonly #responder: Responder;
  readonly #logged: boolean;

  constructor(options: { responder?: Responder; log?: boolean } = {}) {
    this.#responder = options.responder ?? (() => undefined);
    this.#logged = options.log ?? false;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const input = options.input ?? null;
    this.commands.push({ argv: [...argv], input });
    if (this.#logged) log.debug({ argv }, 'FAKE NET: command not run');
    const answer = this.#responder(argv, input) ?? {};
    const result = { stdout: answer.stdout ?? '', stderr: answer.stderr ?? '', exitCode: answer.exitCode ?? 0 };
    if (!accepted(result.exitCode, options.allowedExitCodes)) {
      throw new ProcessExecutionError(argv, result.exitCode, result.stdout, result.stderr);
    }
    return result;
  }

  /** The recorded commands as single strings, for readable assertions. */
  lines(): string[] {
    return this.commands.map((c) => c.argv.join(' '));
  }

  clear(): void {
    this.commands.length = 0;
  }
}
