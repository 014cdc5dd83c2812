import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Unix socket paths longer than this do not fit in sockaddr_un. */
const MAX_SOCKET_PATH = 100;

/**
 * The files of one instance under `instances_path/<uuid>/` (Grizzly's layout): `disk`,
 * `disk.local`, `disk.swap`, `disk.config`, `disk.rescue`, `kernel`, `ramdisk`,
 * `console.log`, plus what each driver keeps there (its definition of the guest).
 */
export class InstancePaths {
  readonly dir: string;

  constructor(
    readonly instancesPath: string,
    readonly uuid: string,
  ) {
    this.dir = join(instancesPath, uuid);
  }

  file(name: string): string {
    return join(this.dir, name);
  }

  get disk(): string {
    return this.file('disk');
  }
  get diskLocal(): string {
    return this.file('disk.local');
  }
  get diskSwap(): string {
    return this.file('disk.swap');
  }
  get diskConfig(): string {
    return this.file('disk.config');
  }
  get diskRescue(): string {
    return this.file('disk.rescue');
  }
  get consoleLog(): string {
    return this.file('console.log');
  }
  /** Where the instance's files wait during a resize, until it is confirmed or reverted. */
  get resizeDir(): string {
    return `${this.dir}_resize`;
  }

  /**
   * A unix socket of this instance: in its directory when the path fits, else in a
   * per-instance directory under the system temp dir (named by a hash of the instance
   * directory, so a restarted driver finds it again).
   */
  socket(name: string): string {
    const inDir = this.file(name);
    if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH) return inDir;
    const short = createHash('sha1').update(this.dir).digest('hex').slice(0, 16);
    return join(tmpdir(), `nova-${short}`, name);
  }
}

/** The image cache directory (`instances_path/_base`). */
export function baseDir(instancesPath: string, baseDirName: string): string {
  return join(instancesPath, baseDirName);
}

/** The file name a cached image gets: the SHA-1 of its id, as Grizzly names it. */
export function cacheNameFor(imageId: string): string {
  return createHash('sha1').update(imageId).digest('hex');
}
