import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestSpec } from '../guest-spec.js';
import { InstancePaths } from '../instance-paths.js';

/** What one launch of a guest left for a later nova-compute to find it again. */
export interface RunRecord {
  pid: number;
  qmpSocket: string;
  sshPort: number | null;
  launchedAt: string;
}

const SPEC_FILE = 'guest.json';
export const SUSPEND_FILE = 'suspend.state';
export const UNRESCUE_FILE = 'unrescue.json';

/**
 * The QEMU driver's files in an instance directory: `guest.json` (the spec, like
 * libvirt.xml), and per compute host a run record, a QMP socket and a QEMU log, so two
 * hosts sharing instances_path (a live migration on one machine) never step on each
 * other's runtime files.
 */
export class GuestFiles {
  readonly #tag: string;

  constructor(
    readonly paths: InstancePaths,
    host: string,
  ) {
    this.#tag = createHash('sha1').update(host).digest('hex').slice(0, 8);
  }

  get specFile(): string {
    return this.paths.file(SPEC_FILE);
  }
  get runFile(): string {
    return this.paths.file(`run.${this.#tag}.json`);
  }
  get qmpSocket(): string {
    return this.paths.socket(`qmp.${this.#tag}.sock`);
  }
  /** Where this host's metadata forwarder of the guest listens (the guestfwd connects to it). */
  get metadataSocket(): string {
    return this.paths.socket(`metadata.${this.#tag}.sock`);
  }
  /** QEMU's own stderr (launch errors, warnings), not the guest's console. */
  get qemuLog(): string {
    return this.paths.file(`qemu.${this.#tag}.log`);
  }
  get suspendFile(): string {
    return this.paths.file(SUSPEND_FILE);
  }
  get unrescueFile(): string {
    return this.paths.file(UNRESCUE_FILE);
  }

  async readSpec(): Promise<GuestSpec | null> {
    return readJson<GuestSpec>(this.specFile);
  }
  async writeSpec(spec: GuestSpec): Promise<void> {
    await writeJson(this.specFile, spec);
  }
  async readRun(): Promise<RunRecord | null> {
    return readJson<RunRecord>(this.runFile);
  }
  async writeRun(run: RunRecord): Promise<void> {
    await writeJson(this.runFile, run);
  }
  /** Forgets a launch that is over: its record and socket. */
  async clearRun(): Promise<void> {
    await rm(this.runFile, { force: true });
    await rm(this.qmpSocket, { force: true });
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Written aside and renamed, so a crash never leaves half a file. */
async function writeJson(file: string, value: unknown): Promise<void> {
  const part = `${file}.part`;
  await writeFile(part, `${JSON.stringify(value, null, 2)}\n`);
  await rename(part, file);
}

/** Every instance directory under instances_path that holds a QEMU guest spec. */
export async function scanGuestDirs(instancesPath: string): Promise<InstancePaths[]> {
  let names: string[];
  try {
    names = await readdir(instancesPath);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('_') && !n.endsWith('_resize') && existsSync(join(instancesPath, n, SPEC_FILE)))
    .map((n) => new InstancePaths(instancesPath, n));
}
