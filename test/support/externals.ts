import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * Decides what a test does when an outside service (PostgreSQL, MariaDB, RabbitMQ, QEMU)
 * is not reachable: on a developer machine it skips with a loud message; under CI=true it
 * fails, because CI must never pass by skipping.
 */
export function inCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

export async function probe(check: () => Promise<unknown>): Promise<string | null> {
  try {
    await check();
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  }
}

/**
 * null when `command` is installed (it starts; what it exits with is the test's business),
 * else what went wrong.
 */
export function probeCommand(command: string, args: readonly string[] = ['--version']): string | null {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  if (!r.error) return null;
  return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} is not installed` : r.error.message;
}

/**
 * Returns true when the test may go on. Otherwise skips the test (developer machine) or
 * throws (CI) naming the missing external.
 */
export function requireExternal(t: TestContext, name: string, problem: string | null): boolean {
  if (problem === null) return true;
  const message = `${name} is not available (${problem})`;
  if (inCI()) throw new Error(`${message}; CI=true so this is a failure, not a skip`);
  process.stderr.write(`\n*** SKIPPING: ${message} ***\n`);
  t.skip(message);
  return false;
}
