/** `nova-manage agent`: guest agent builds (Grizzly's AgentBuildCommands). */
import type { Command } from 'commander';
import { AgentAPI } from '../../compute/operators/agents.js';
import { adminContext } from '../../context/context.js';
import { type ConfigProvider, ManageError } from './context.js';
import { out, pad, withDb } from './format.js';

export function registerAgentCommands(program: Command, config: ConfigProvider): void {
  const agent = program.command('agent').description('guest agent builds per hypervisor, OS and architecture');

  agent
    .command('create')
    .description('record an agent build')
    .argument('<os>')
    .argument('<architecture>')
    .argument('<version>')
    .argument('<url>')
    .argument('<md5hash>')
    .argument('[hypervisor]', 'hypervisor type', 'xen')
    .action(async (os: string, architecture: string, version: string, url: string, md5hash: string, hypervisor: string) => {
      await withDb(config(), (db) => new AgentAPI(db).create(adminContext(), { os, architecture, version, url, md5hash, hypervisor }));
    });

  agent
    .command('delete')
    .description('delete the agent build of an OS and architecture')
    .argument('<os>')
    .argument('<architecture>')
    .argument('[hypervisor]', 'hypervisor type', 'xen')
    .action(async (os: string, architecture: string, hypervisor: string) => {
      await withDb(config(), async (db) => {
        const agents = new AgentAPI(db);
        const ctx = adminContext();
        const found = (await agents.list(ctx, hypervisor)).filter((a) => a.os === os && a.architecture === architecture);
        if (found.length === 0) throw new ManageError(`No agent build for ${hypervisor} ${os} ${architecture}`, 1);
        for (const a of found) await agents.delete(ctx, String(a.id));
      });
    });

  agent
    .command('modify')
    .description('change the version, url and md5hash of an agent build')
    .argument('<os>')
    .argument('<architecture>')
    .argument('<version>')
    .argument('<url>')
    .argument('<md5hash>')
    .argument('[hypervisor]', 'hypervisor type', 'xen')
    .action(async (os: string, architecture: string, version: string, url: string, md5hash: string, hypervisor: string) => {
      await withDb(config(), async (db) => {
        const agents = new AgentAPI(db);
        const ctx = adminContext();
        const found = (await agents.list(ctx, hypervisor)).filter((a) => a.os === os && a.architecture === architecture);
        if (found.length === 0) throw new ManageError(`No agent build for ${hypervisor} ${os} ${architecture}`, 1);
        for (const a of found) await agents.update(ctx, String(a.id), { version, url, md5hash });
      });
    });

  agent
    .command('list')
    .description('list agent builds grouped by hypervisor')
    .argument('[hypervisor]')
    .action(async (hypervisor: string | undefined) => {
      const builds = await withDb(config(), (db) => new AgentAPI(db).list(adminContext()));
      const byHypervisor = new Map<string, typeof builds>();
      for (const b of builds) {
        const key = b.hypervisor ?? 'None';
        byHypervisor.set(key, [...(byHypervisor.get(key) ?? []), b]);
      }
      const row = (a: unknown, b: unknown, c: unknown, d: unknown) => `${pad(a, 10)}  ${pad(b, 8)}  ${pad(c, 12, 'right')}  ${d}`;
      for (const [key, list] of byHypervisor) {
        if (hypervisor && key !== hypervisor) continue;
        out(`Hypervisor: ${key}`);
        out(row('-'.repeat(10), '-'.repeat(8), '-'.repeat(12), '-'.repeat(32)));
        for (const b of list) {
          out(row(b.os, b.architecture, b.version, b.md5hash));
          out(`    ${b.url}`);
        }
        out();
      }
    });
}
