import type { Command } from 'commander';
import { generateSampleConfig } from '../../config/sample.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('configuration helpers');
  config
    .command('sample')
    .description('print a sample nova.conf generated from every registered option')
    .action(() => {
      process.stdout.write(generateSampleConfig());
    });
}
