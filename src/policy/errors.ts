import { NovaError } from '../common/errors.js';

/** The policy file exists but is not a mapping of rule names to rules (start-up error). */
export class PolicyFileInvalid extends NovaError {
  constructor(path: string, problem: string) {
    super(`Policy file ${path} is invalid: ${problem}`, { kwargs: { path, problem } });
  }
}
