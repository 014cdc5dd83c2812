import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { InvalidConfig } from '../common/errors.js';
import { getLogger, setRootLogger } from '../common/log.js';
import { commonOpts } from '../config/common-opts.js';
import { Config, ConfigFileError, type LoadOptions } from '../config/config.js';
import { InvalidDatabaseUrl } from '../db/errors.js';
import { ClassNotFound, SchedulerHostFilterNotFound, SchedulerWeightClassNotFound } from '../scheduler/errors.js';
import './all-opts.js';

export const EXIT_CONFIG_ERROR = 2;

export interface CommonArgs {
  configFile: string[];
  configDir?: string;
}

/** Adds --config-file (repeatable) and --config-dir, as oslo.config gives every Nova binary. */
export function withConfigArgs(cmd: Command): Command {
  return cmd
    .option(
      '--config-file <path>',
      'a nova.conf to read; repeat for several, later files win',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .option('--config-dir <dir>', 'read every *.conf in this directory after the config files');
}

/** Loads the configuration or ends the process with one line and exit code 2. */
export function loadConfigOrExit(args: CommonArgs, extra: Partial<LoadOptions> = {}): Config {
  try {
    return Config.load({
      configFiles: [...(extra.configFiles ?? []), ...args.configFile],
      configDir: args.configDir ?? null,
      ...(extra.overrides ? { overrides: extra.overrides } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigFileError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(EXIT_CONFIG_ERROR);
    }
    throw err;
  }
}

/**
 * Errors that mean nova.conf names something the process cannot run with (or omits
 * something it cannot run without). Each message names the option.
 */
export function isConfigurationError(err: unknown): err is Error {
  return (
    err instanceof ConfigFileError ||
    err instanceof InvalidConfig ||
    err instanceof InvalidDatabaseUrl ||
    err instanceof SchedulerHostFilterNotFound ||
    err instanceof SchedulerWeightClassNotFound ||
    err instanceof ClassNotFound
  );
}

/**
 * Runs a binary's start-up; a configuration mistake found on the way ends the process
 * with one line and exit code 2, like a malformed nova.conf does, not with a stack trace.
 */
export async function startOrExit<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (!isConfigurationError(err)) throw err;
    process.stderr.write(`configuration error: ${err.message}\n`);
    return exitProcess(EXIT_CONFIG_ERROR);
  }
}

/** Settles once the destination setupLogging opened is ready (or failed to open). */
let logsReady: Promise<unknown> = Promise.resolve();

/** Points the process logger where nova.conf says: log_file, else log_dir/<binary>.log, else stderr. */
export function setupLogging(conf: Config, binary: string, options: { sync?: boolean } = {}): void {
  const c = conf.get(commonOpts);
  const level = process.env.NOVA_LOG_LEVEL ?? (c.debug ? 'debug' : 'info');
  const file = c.log_file ?? (c.log_dir ? join(c.log_dir, `${binary}.log`) : null);
  if (file) mkdirSync(join(file, '..'), { recursive: true });
  const destination = pino.destination({ dest: file ?? 2, sync: options.sync ?? false, mkdir: file !== null });
  logsReady = once(destination, 'ready').catch(() => undefined);
  setRootLogger(pino({ level, base: { pid: process.pid, binary } }, destination));
  warnIgnoredOptions(conf);
}

/** One warning naming every Grizzly option nova.conf sets that nova-ts does not implement. */
function warnIgnoredOptions(conf: Config): void {
  const names = [...new Set(conf.ignored.map((o) => (o.group === 'DEFAULT' ? o.name : `[${o.group}] ${o.name}`)))];
  if (names.length === 0) return;
  getLogger('nova.config').warn(
    { ignored_options: names },
    `nova.conf sets Grizzly options nova-ts does not implement; they are ignored: ${names.join(', ')}`,
  );
}

/**
 * Exits once the log file is open: pino flushes it on exit and throws if it is not,
 * which a failure early in start-up (before the first tick that opens it) would hit.
 */
export async function exitProcess(code: number): Promise<never> {
  await logsReady;
  process.exit(code);
}

/**
 * Runs `stop` once on SIGTERM or SIGINT and exits 0 when it finishes, or 1 if it throws or
 * takes longer than the grace period.
 */
export function onShutdown(stop: () => Promise<void>, graceSeconds: number): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}, stopping\n`);
    const timer = setTimeout(() => {
      process.stderr.write('graceful shutdown timed out\n');
      process.exit(1);
    }, graceSeconds * 1000);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
