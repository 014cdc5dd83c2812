/**
 * The last N message ids a consumer saw, so that a message redelivered by the broker
 * (after a reconnect, its ack having been lost) is not handled twice.
 */
export class RecentIds {
  readonly #capacity: number;
  readonly #ring: (string | undefined)[];
  readonly #seen = new Set<string>();
  #next = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#ring = new Array(capacity);
  }

  /** Records the id; returns false when it was already among the last N. */
  add(id: string): boolean {
    if (this.#seen.has(id)) return false;
    const evicted = this.#ring[this.#next];
    if (evicted !== undefined) this.#seen.delete(evicted);
    this.#ring[this.#next] = id;
    this.#seen.add(id);
    this.#next = (this.#next + 1) % this.#capacity;
    return true;
  }
}
