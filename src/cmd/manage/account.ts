/**
 * `nova-manage account` / `project`: show and change a project's quotas (Grizzly's
 * ProjectCommands.quota; `unlimited` stores -1).
 */
import type { Command } from 'commander';
import { adminContext } from '../../context/context.js';
import { createDbQuotaEngine } from '../../quota/db-store.js';
import { type ConfigProvider, ManageError } from './context.js';
import { out, pad, withDb } from './format.js';

function registerQuotaCategory(program: Command, config: ConfigProvider, category: string): void {
  const project = program.command(category).description("a project's quotas");
  project
    .command('quota')
    .description('print the quotas of --project, after setting --key to --value when given')
    .requiredOption('--project <project_id>')
    .option('--key <resource>')
    .option('--value <limit>', 'a whole number or "unlimited"')
    .action(async (opts: { project: string; key?: string; value?: string }) => {
      const conf = config();
      await withDb(conf, async (db) => {
        const quota = createDbQuotaEngine(conf, db);
        const ctx = adminContext();
        if (opts.key !== undefined) {
          if (!quota.resource(opts.key)) {
            throw new ManageError(`${opts.key} is not a valid quota key. Valid options are: ${quota.resourceNames().join(', ')}.`, 2);
          }
          const text = (opts.value ?? '').trim();
          const limit = text.toLowerCase() === 'unlimited' ? -1 : /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
          if (!Number.isSafeInteger(limit) || limit < -1 || limit > 2 ** 31 - 1) {
            throw new ManageError(
              `--value must be a whole number from -1 to 2147483647 or "unlimited", got ${JSON.stringify(opts.value ?? null)}`,
              2,
            );
          }
          await quota.updateProjectQuota(opts.project, opts.key, limit);
        }
        const row = (a: unknown, b: unknown, c: unknown, d: unknown) => `${pad(a, 36)} ${pad(b, 10)} ${pad(c, 10)} ${pad(d, 10)}`.trimEnd();
        out(row('Quota', 'Limit', 'In Use', 'Reserved'));
        const quotas = await quota.getProjectQuotas(ctx, opts.project, { usages: true });
        for (const [name, q] of Object.entries(quotas)) {
          out(row(name, q.limit < 0 ? 'unlimited' : q.limit, q.in_use ?? 0, q.reserved ?? 0));
        }
      });
    });
}

export function registerAccountCommands(program: Command, config: ConfigProvider): void {
  registerQuotaCategory(program, config, 'account');
  registerQuotaCategory(program, config, 'project');
}
