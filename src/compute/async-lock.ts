/**
 * A mutual-exclusion lock for async code: holders run one after another in arrival order.
 * Needed wherever a check and the write it justifies are separated by an await.
 */
export class AsyncLock {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** One lock per key (an instance uuid, a node name), created on first use and dropped when idle. */
export class KeyedLocks {
  readonly #locks = new Map<string, { lock: AsyncLock; users: number }>();

  async run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    let entry = this.#locks.get(key);
    if (!entry) {
      entry = { lock: new AsyncLock(), users: 0 };
      this.#locks.set(key, entry);
    }
    entry.users += 1;
    try {
      return await entry.lock.run(fn);
    } finally {
      entry.users -= 1;
      if (entry.users === 0) this.#locks.delete(key);
    }
  }
}
