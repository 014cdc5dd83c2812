import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NovaError } from '../../common/errors.js';
import { QmpClient } from './qmp.js';

/** QEMU would not start (bad arguments, missing file, …); the message carries its own words. */
export class QemuLaunchError extends NovaError {
  constructor(reason: string) {
    super(`QEMU failed to start: ${reason}`, { kwargs: { reason } });
  }
}

/** A QEMU process we can talk to: its pid, its monitor, and a promise that settles when it is gone. */
export interface QemuProcess {
  readonly pid: number;
  readonly qmp: QmpClient;
  readonly exited: Promise<void>;
}

/** Whether a pid names a live process (a zombie waiting for its parent to reap it counts as gone). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The command line of a process, NUL-separated arguments as an array (empty when it is gone). */
export function processArgs(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Resolves once `pid` is gone, polling /proc (for processes that are not our children). */
async function pidGone(pid: number): Promise<void> {
  while (pidAlive(pid)) await sleep(50, undefined, { ref: false });
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts QEMU in its own session with stdout/stderr appended to `logFile`, so it outlives
 * a restart of nova-compute (which then re-adopts it), and waits for its QMP monitor.
 * If QEMU exits first, the error it printed becomes the QemuLaunchError.
 */
export async function launchQemu(
  binary: string,
  argv: readonly string[],
  options: { qmpSocket: string; logFile: string; timeoutMs: number },
): Promise<QemuProcess> {
  const logFd = openSync(options.logFile, 'a');
  const logStart = (() => {
    try {
      return readFileSync(options.logFile).length;
    } catch {
      return 0;
    }
  })();
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(binary, argv, { detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  child.unref();
  let exitInfo: string | null = null;
  let spawnError: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err.message;
      exitInfo = err.message;
      resolve();
    });
  });
  const output = (): string => {
    try {
      return readFileSync(options.logFile).subarray(logStart).toString('utf8').trim();
    } catch {
      return '';
    }
  };
  try {
    const qmp = await QmpClient.connect(options.qmpSocket, {
      timeoutMs: options.timeoutMs,
      giveUp: () => (exitInfo ? `${exitInfo}: ${output() || tail(options.logFile, 5)}` : null),
    });
    if (child.pid === undefined) throw new QemuLaunchError(spawnError ?? 'no pid');
    return { pid: child.pid, qmp, exited };
  } catch (err) {
    if (child.pid !== undefined && exitInfo === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await exited;
    }
    throw new QemuLaunchError(exitInfo ? `${exitInfo}: ${output()}` : (err as Error).message);
  }
}

/**
 * Reconnects to a QEMU started earlier (by this driver before a restart), after checking
 * that the pid still runs QEMU with this monitor socket, so a recycled pid is never taken
 * for a guest. `gone` when there is no such process; `unreachable` when it runs but its
 * monitor does not answer (another client holds it).
 */
export async function adoptQemu(pid: number, qmpSocket: string, timeoutMs = 5000): Promise<QemuProcess | 'gone' | 'unreachable'> {
  if (!pidAlive(pid) || !existsSync(qmpSocket)) return 'gone';
  if (!processArgs(pid).some((arg) => arg.includes(`path=${qmpSocket.replaceAll(',', ',,')},`))) return 'gone';
  let qmp: QmpClient;
  try {
    qmp = await QmpClient.connect(qmpSocket, { timeoutMs, giveUp: () => (pidAlive(pid) ? null : 'process gone') });
  } catch {
    return pidAlive(pid) ? 'unreachable' : 'gone';
  }
  const exited = new Promise<void>((resolve) => {
    qmp.once('close', () => {
      // Letting go of the monitor ourselves says nothing about the process.
      if (!qmp.closedLocally) void pidGone(pid).then(resolve);
    });
  });
  return { pid, qmp, exited };
}

/** Ends a QEMU process: `quit` over QMP, then SIGKILL if it is still there after `graceMs`. */
export async function stopQemu(proc: QemuProcess, graceMs = 5000): Promise<void> {
  try {
    await Promise.race([proc.qmp.execute('quit'), sleep(graceMs)]);
  } catch {
    // The monitor may close before it answers; the exit below is what counts.
  }
  const gone = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!gone) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // Exited in between.
    }
    await proc.exited;
  }
  proc.qmp.close();
}
