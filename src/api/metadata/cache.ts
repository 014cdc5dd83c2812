/**
 * Built metadata, kept per instance and requester address for a short while, so that a
 * guest crawling its tree (cloud-init reads dozens of paths in a second) costs one
 * gathering. An entry goes when it expires or when its instance's metadata changes.
 */
import type { InstanceMetadata } from '../../metadata/instance-metadata.js';

interface Entry {
  instanceUuid: string;
  metadata: InstanceMetadata;
  expiresAt: number;
}

export class MetadataCache {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(ttlSeconds: number, now: () => number = Date.now) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#now = now;
  }

  #key(instanceUuid: string, address: string | null): string {
    return `${instanceUuid} ${address ?? ''}`;
  }

  get(instanceUuid: string, address: string | null): InstanceMetadata | undefined {
    const key = this.#key(instanceUuid, address);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.metadata;
  }

  set(instanceUuid: string, address: string | null, metadata: InstanceMetadata): void {
    if (this.#ttlMs <= 0) return;
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    this.#entries.set(this.#key(instanceUuid, address), { instanceUuid, metadata, expiresAt: now + this.#ttlMs });
  }

  /** Drops every entry of the instance. */
  invalidate(instanceUuid: string): void {
    for (const [key, entry] of this.#entries) if (entry.instanceUuid === instanceUuid) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
