import { readFileSync } from 'node:fs';
import { PowerState } from '../../common/states/power-state.js';
import type { GuestSpec } from '../guest-spec.js';
import type { GuestFiles } from './guest-files.js';
import type { QemuProcess } from './process.js';

/** QMP `query-status` → Nova power state (a live QEMU only; no process means shut down or suspended). */
export function powerStateOfStatus(status: string): PowerState {
  switch (status) {
    case 'running':
      return PowerState.RUNNING;
    case 'shutdown':
      return PowerState.SHUTDOWN;
    case 'guest-panicked':
    case 'internal-error':
    case 'io-error':
    case 'watchdog':
      return PowerState.CRASHED;
    default:
      // paused, prelaunch, inmigrate, postmigrate, finish-migrate, save-vm, restore-vm, debug, suspended
      return PowerState.PAUSED;
  }
}

/**
 * One guest of the QEMU driver: its spec and files, and the QEMU process running it on
 * this host, if any. `proc` is cleared by the driver as soon as the process exits.
 */
export class QemuGuest {
  proc: QemuProcess | null = null;
  sshPort: number | null = null;
  /** A QEMU found running this guest whose monitor would not answer: the guest's state is unknown while it lives. */
  unreachablePid: number | null = null;

  constructor(
    readonly files: GuestFiles,
    public spec: GuestSpec,
  ) {}

  get uuid(): string {
    return this.spec.uuid;
  }

  get alive(): boolean {
    return this.proc !== null && !this.proc.qmp.closed;
  }

  /** QMP status of the live process, or null when there is none (or it just died). */
  async status(): Promise<string | null> {
    if (!this.proc || this.proc.qmp.closed) return null;
    try {
      return (await this.proc.qmp.execute<{ status: string }>('query-status')).status;
    } catch {
      return null;
    }
  }

  /** CPU time of the guest's vCPU threads in nanoseconds (utime + stime from /proc). */
  async cpuTimeNs(): Promise<number> {
    if (!this.proc || this.proc.qmp.closed) return 0;
    const pid = this.proc.pid;
    let threads: { 'thread-id': number }[];
    try {
      threads = await this.proc.qmp.execute<{ 'thread-id': number }[]>('query-cpus-fast');
    } catch {
      return 0;
    }
    let ticks = 0;
    for (const t of threads) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${t['thread-id']}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The thread ended in between.
      }
    }
    // Linux reports in USER_HZ, which is 100 on every architecture QEMU runs on here.
    return ticks * 10_000_000;
  }
}
