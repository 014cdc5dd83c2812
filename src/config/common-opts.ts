import { hostname } from 'node:os';
import { defineGroup, opt } from './registry.js';

/** Options every binary reads: identity of the host, where state lives, logging. */
export const commonOpts = defineGroup('DEFAULT', {
  host: opt.str(hostname(), 'Name of this node; used as the RPC host queue suffix and in the services table.', {
    sampleDefault: '<the machine host name>',
  }),
  my_ip: opt.str('127.0.0.1', 'IP address of this host.'),
  state_path: opt.str('/var/lib/nova', 'Top-level directory for the state of every service (databases, instances, keys).'),
  debug: opt.bool(false, 'Log at debug level instead of the default info level.'),
  verbose: opt.bool(true, 'Accepted for Grizzly compatibility; info level is the default.'),
  log_dir: opt.str(null, 'Directory for log files; with log_file unset each binary writes <log_dir>/<binary>.log.'),
  log_file: opt.str(null, 'Log file path; standard output when neither it nor log_dir is set.', {
    deprecatedNames: [{ name: 'logfile' }],
  }),
  use_stderr: opt.bool(true, 'Log to standard error when no log file is configured.'),
});
