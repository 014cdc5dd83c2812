import { NovaError } from '../common/errors.js';

/** instance_update named a column outside the conductor's whitelist (Nova raised KeyError). */
export class KeyError extends NovaError {
  constructor(key: string) {
    super(`unexpected update keyword '${key}'`, { kwargs: { key } });
  }
}

export { TaskAlreadyRunning, TaskNotRunning } from '../db/api/task-log.js';
