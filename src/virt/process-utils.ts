import { spawn } from 'node:child_process';
import { NovaError } from '../common/errors.js';

/** A helper command (qemu-img, genisoimage, virsh, ip …) failed; the message carries its stderr. */
export class ProcessExecutionError extends NovaError {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`Unexpected error while running command.\nCommand: ${command}\nExit code: ${exitCode ?? 'signal'}\nStderr: ${stderr.trim()}`, {
      kwargs: { cmd: command, exit_code: exitCode, stderr },
    });
  }
}

export interface ExecuteOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string | Buffer;
  /** Exit codes that count as success (default: 0 only). */
  okCodes?: readonly number[];
  /** Kills the command (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ExecuteResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a command without a shell and collects its output. The C locale keeps the
 * output of tools such as qemu-img parseable whatever the host's language is.
 */
export function execute(command: string, args: readonly string[], options: ExecuteOptions = {}): Promise<ExecuteResult> {
  const printable = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C', ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : null;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new ProcessExecutionError(printable, null, '', e.message));
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== null && (options.okCodes ?? [0]).includes(code)) resolve({ stdout, stderr, exitCode: code });
      else reject(new ProcessExecutionError(printable, code, stdout, stderr));
    });
    child.stdin.on('error', () => {
      // The command may exit without reading its input; its exit status tells the story.
    });
    child.stdin.end(options.input ?? '');
  });
}
