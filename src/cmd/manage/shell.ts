/**
 * `nova-manage shell`: Grizzly opened a Python REPL over Nova's modules. nova-ts has no
 * Python to offer, so each action says so and names what to use instead.
 */
import type { Command } from 'commander';
import { ManageError } from './context.js';

const INSTEAD =
  'nova-manage shell is not supported by nova-ts (it opened a Python interpreter over Nova). ' +
  "Use node's REPL over the built modules instead: node --experimental-repl-await, then await import('./dist/...').";

export function registerShellCommands(program: Command): void {
  const shell = program.command('shell').description('interactive shells (not supported: says what to use instead)');
  for (const action of ['bpython', 'ipython', 'python', 'run', 'script']) {
    shell
      .command(action)
      .allowUnknownOption()
      .allowExcessArguments()
      .description('not supported by nova-ts')
      .action(() => {
        throw new ManageError(INSTEAD, 1);
      });
  }
}
