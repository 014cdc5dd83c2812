/**
 * Which servers answer pings, by running `fping` over their addresses (Grizzly's
 * os-fping). Without an executable fping the check is unavailable (503), not guessed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { ServiceUnavailable } from '../../common/errors.js';
import { defineGroup, opt } from '../../config/registry.js';

export const fpingOpts = defineGroup('DEFAULT', {
  fping_path: opt.str('/usr/sbin/fping', 'Full path to the fping binary os-fping runs.'),
});

export class Fping {
  constructor(private readonly path: string) {}

  /** ServiceUnavailable (503) when fping_path is not an executable. */
  assertAvailable(): void {
    try {
      accessSync(this.path, constants.X_OK);
    } catch {
      throw new ServiceUnavailable('fping utility is not found.');
    }
  }

  /** The addresses fping reports alive; its exit code only says whether all were. */
  async alive(addresses: readonly string[]): Promise<Set<string>> {
    if (addresses.length === 0) return new Set();
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(this.path, [...addresses], { timeout: 60_000 }, (err, out) => {
        if (err && typeof err.code !== 'number') reject(err);
        else resolve(out);
      });
    });
    const alive = new Set<string>();
    for (const line of stdout.split('\n')) {
      if (line.includes('alive')) alive.add(line.split(' ', 1)[0] as string);
    }
    return alive;
  }
}
