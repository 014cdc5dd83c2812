/**
 * Errors of the host plumbing, registered by name so that they cross the bus as Nova's do
 * (nova/exception.py: ProcessExecutionError, NoFloatingIpInterface).
 */
import { Invalid, NotFound, NovaError } from '../../common/errors.js';

/** A host command ended with an exit code its caller does not accept, or could not start. */
export class ProcessExecutionError extends NovaError {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;

  constructor(argv: readonly string[], exitCode: number | null, stdout: string, stderr: string, detail?: string) {
    const what = detail ?? `exit code ${exitCode}`;
    const err = stderr.trim();
    super(`Unexpected error while running command: ${argv.join(' ')}: ${what}${err ? `: ${err}` : ''}`, {
      kwargs: { cmd: argv.join(' '), exit_code: exitCode, stdout, stderr },
    });
    this.argv = argv;
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/** The device a floating address is to be bound on does not exist on this host. */
export class NoFloatingIpInterface extends NotFound {
  constructor(iface: string) {
    super(`Interface ${iface} not found.`, { kwargs: { interface: iface } });
  }
}

/** A plumbing variant named in nova.conf that this build cannot drive on this host. */
export class NetworkDriverNotSupported extends Invalid {
  constructor(what: string, why: string) {
    super(`${what} is not supported here: ${why}`, { kwargs: { driver: what } });
  }
}
