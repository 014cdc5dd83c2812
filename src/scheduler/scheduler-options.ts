import { readFileSync, statSync } from 'node:fs';
import { getLogger } from '../common/log.js';

const log = getLogger('nova.scheduler.scheduler_options');

const CHECK_INTERVAL_MS = 5 * 60 * 1000;

/**
 * The JSON file named by scheduler_json_config_location, handed to filters and weighers
 * as `config_options`. It is re-read when its modification time moves, checked at most
 * every five minutes; unparsable content counts as empty, a missing file is an error.
 */
export class SchedulerOptionsFile {
  #data: Record<string, unknown> = {};
  #lastChecked: number | null = null;
  #lastModified: number | null = null;

  constructor(
    private readonly location: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  getConfiguration(): Record<string, unknown> {
    if (!this.location) return this.#data;
    const now = this.now().getTime();
    if (this.#lastChecked !== null && now - this.#lastChecked < CHECK_INTERVAL_MS) return this.#data;
    this.#lastChecked = now;
    const modified = statSync(this.location).mtimeMs;
    if (this.#lastModified === null || modified > this.#lastModified) {
      this.#data = this.#load();
      this.#lastModified = modified;
    }
    return this.#data;
  }

  #load(): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.location, 'utf8'));
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch (err) {
      log.error({ err, file: this.location }, 'Could not decode scheduler options');
      return {};
    }
  }
}
