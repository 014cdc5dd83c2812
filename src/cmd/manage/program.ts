import { Command, CommanderError } from 'commander';
import type { Config } from '../../config/config.js';
import { type CommonArgs, EXIT_CONFIG_ERROR, isConfigurationError, loadConfigOrExit, setupLogging, withConfigArgs } from '../common.js';
import { VERSION } from '../version.js';
import { registerConfigCommands } from './config.js';
import { ManageError } from './context.js';
import { registerDbCommands } from './db.js';
import { registerFixedCommands } from './fixed.js';
import { registerFloatingCommands } from './floating.js';
import { registerNetworkCommands } from './network.js';
import { registerServiceCommands } from './service.js';

export function buildManageProgram(): Command {
  const program = withConfigArgs(new Command('nova-manage')).description('nova-ts operator commands').showHelpAfterError().exitOverride();
  let conf: Config | null = null;
  const config = (): Config => {
    if (!conf) {
      conf = loadConfigOrExit(program.opts<CommonArgs>());
      // A command exits right after its work: write synchronously so nothing is lost.
      setupLogging(conf, 'nova-manage', { sync: true });
    }
    return conf;
  };
  program
    .command('version')
    .description('print the nova-ts version')
    .action(() => {
      process.stdout.write(`${VERSION}\n`);
    });
  registerConfigCommands(program);
  registerDbCommands(program, config);
  registerServiceCommands(program, config);
  registerNetworkCommands(program, config);
  registerFloatingCommands(program, config);
  registerFixedCommands(program, config);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildManageProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (err instanceof ManageError) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    if (isConfigurationError(err)) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      return EXIT_CONFIG_ERROR;
    }
    process.stderr.write(`Command failed: ${(err as Error).message}\n`);
    return 1;
  }
}
