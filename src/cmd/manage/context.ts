import type { Config } from '../../config/config.js';

/** Loads the configuration on first use, so `--help` and `config sample` work without a nova.conf. */
export type ConfigProvider = () => Config;

/** A failure the operator caused: printed as one line, with its own exit code. */
export class ManageError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
