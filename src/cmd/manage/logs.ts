/** `nova-manage logs`: errors in nova's log files, and nova's lines in the system log. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { commonOpts } from '../../config/common-opts.js';
import { type ConfigProvider, ManageError } from './context.js';
import { out } from './format.js';

export function registerLogsCommands(program: Command, config: ConfigProvider): void {
  const logs = program.command('logs').description('log files');

  logs
    .command('errors')
    .description('print the ERROR lines of every *.log file in log_dir')
    .action(() => {
      const dir = config().get(commonOpts).log_dir;
      let errors = 0;
      if (dir && existsSync(dir)) {
        for (const file of readdirSync(dir)
          .filter((f) => f.endsWith('.log'))
          .sort()) {
          const path = join(dir, file);
          const lines = readFileSync(path, 'utf8').split('\n');
          let printed = false;
          // Newest first, as Grizzly reads each file backwards.
          for (const [i, line] of [...lines.entries()].reverse()) {
            if (!/ ERROR |"level":50/.test(line)) continue;
            if (!printed) {
              out(`${path}:-`);
              printed = true;
            }
            errors += 1;
            out(`Line ${i + 1} : ${line}`);
          }
        }
      }
      if (errors === 0) out('No errors in logfiles!');
    });

  logs
    .command('syslog')
    .description('print the last nova lines of the system log (/var/log/syslog or /var/log/messages)')
    .argument('[num_entries]', 'how many lines', '10')
    .action((numEntries: string) => {
      if (!/^\d+$/.test(numEntries)) throw new ManageError(`num_entries must be a whole number, got ${numEntries}`, 2);
      const limit = Number(numEntries);
      const path = ['/var/log/syslog', '/var/log/messages'].find((p) => existsSync(p));
      if (!path) {
        out('Unable to find system log file!');
        throw new ManageError('', 1);
      }
      const matches = readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.includes('nova'))
        .reverse()
        .slice(0, limit);
      for (const line of matches) out(line);
      if (matches.length === 0) out('No nova entries in syslog!');
    });
}
