/**
 * The daemons nova-network starts (dnsmasq, radvd) are found again by their pid files and
 * recognised by their command lines in /proc, since a pid file can outlive its process (a
 * reboot) and its pid be reused by something else.
 */
import { readFile } from 'node:fs/promises';

/** Reads running processes; injectable so that restart decisions can be tested without them. */
export interface ProcessTable {
  /** The argv of a live process, or null when there is none (or only a zombie). */
  cmdline(pid: number): Promise<string[] | null>;
}

export const procfs: ProcessTable = {
  async cmdline(pid: number): Promise<string[] | null> {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // The state letter follows the parenthesised command name, which may itself contain spaces.
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return null;
      const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      const parts = raw.split('\0');
      if (parts[parts.length - 1] === '') parts.pop();
      return parts;
    } catch {
      return null;
    }
  },
};

export async function readPidFile(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Resolves once `pid` is gone (or a zombie), or after `timeoutMs`; returns whether it is gone. */
export async function waitForExit(table: ProcessTable, pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await table.cmdline(pid)) === null) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
