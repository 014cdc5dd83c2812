import { Command, CommanderError } from 'commander';
import type { Config } from '../../config/config.js';
import { type CommonArgs, EXIT_CONFIG_ERROR, isConfigurationError, loadConfigOrExit, setupLogging, withConfigArgs } from '../common.js';
import { VERSION } from '../version.js';
import { registerAccountCommands } from './account.js';
import { registerAgentCommands } from './agent.js';
import { registerConfigCommands } from './config.js';
import { ManageError } from './context.js';
import { registerDbCommands } from './db.js';
import { registerFixedCommands } from './fixed.js';
import { registerFlavorCommands } from './flavor.js';
import { registerFloatingCommands } from './floating.js';
import { registerHostCommands } from './host.js';
import { registerLogsCommands } from './logs.js';
import { registerNetworkCommands } from './network.js';
import { registerServiceCommands } from './service.js';
import { registerShellCommands } from './shell.js';
import { registerVmCommands } from './vm.js';
import { registerVpnCommands } from './vpn.js';

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
  registerVpnCommands(program, config);
  registerAccountCommands(program, config);
  registerAgentCommands(program, config);
  registerFlavorCommands(program, config);
  registerHostCommands(program, config);
  registerLogsCommands(program, config);
  registerVmCommands(program, config);
  registerShellCommands(program);
  program
    .command('bash-completion')
    .description('print the categories, or the actions of a category, for shell completion')
    .argument('[category]')
    .action((category: string | undefined) => {
      const commands = program.commands.filter((c) => c.name() !== 'bash-completion');
      const names = category
        ? (commands.find((c) => c.name() === category)?.commands.map((c) => c.name()) ?? [])
        : commands.map((c) => c.name());
      process.stdout.write(`${names.join(' ')}\n`);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildManageProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // Usage errors exit 2, as argparse makes Grizzly's nova-manage do; commander has printed the usage.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ManageError) {
      if (err.message) process.stderr.write(`${err.message}\n`);
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
