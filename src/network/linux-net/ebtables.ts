/**
 * ebtables rules, written one at a time: delete any copy, then insert at the top, so that
 * applying the same rule twice leaves one (Grizzly's ensure_ebtables_rules).
 */
import type { CommandExecutor } from './executor.js';

export type EbtablesTable = 'filter' | 'nat' | 'broute';

export class Ebtables {
  readonly #executor: CommandExecutor;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(executor: CommandExecutor) {
    this.#executor = executor;
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Puts each rule (`CHAIN match... -j target`) at the top of its chain exactly once. */
  ensure(rules: readonly string[], table: EbtablesTable = 'filter'): Promise<void> {
    return this.#serialized(async () => {
      for (const rule of rules) {
        const words = rule.split(' ');
        await this.#executor.run(['ebtables', '-t', table, '-D', ...words], { allowedExitCodes: 'any' });
        await this.#executor.run(['ebtables', '-t', table, '-I', ...words]);
      }
    });
  }

  remove(rules: readonly string[], table: EbtablesTable = 'filter'): Promise<void> {
    return this.#serialized(async () => {
      for (const rule of rules) {
        await this.#executor.run(['ebtables', '-t', table, '-D', ...rule.split(' ')], { allowedExitCodes: 'any' });
      }
    });
  }
}
