/** `nova-manage vm list`: live instances, optionally of one host. */
import type { Command } from 'commander';
import { FlavorNotFound } from '../../common/errors.js';
import { adminContext } from '../../context/context.js';
import { flavorGet } from '../../db/api/flavors.js';
import { instanceGetAllByFilters } from '../../db/api/instances.js';
import type { ConfigProvider } from './context.js';
import { out, pad, withDb } from './format.js';

export function registerVmCommands(program: Command, config: ConfigProvider): void {
  const vm = program.command('vm').description('instances');
  vm.command('list')
    .description('list instances with their host, flavor, state and owner')
    .option('--host <host>', 'only instances on this host')
    .action(async (opts: { host?: string }) => {
      await withDb(config(), async (db) => {
        const ctx = adminContext();
        const instances = await instanceGetAllByFilters(db, ctx, { deleted: false, ...(opts.host ? { host: opts.host } : {}) }, {});
        const widths = [10, 15, 10, 10, 26, 9, 9, 9, 10, 15, 10];
        const header = ['instance', 'node', 'type', 'state', 'launched', 'image', 'kernel', 'ramdisk', 'project', 'user', 'zone'];
        out(`${header.map((h, i) => pad(h, widths[i] as number)).join(' ')} ${pad('index', 5)}`);
        const flavorNames = new Map<number, string | null>();
        for (const inst of instances) {
          const typeId = inst.instance_type_id;
          if (typeId !== null && !flavorNames.has(typeId)) {
            flavorNames.set(
              typeId,
              (
                await flavorGet(db, ctx, typeId).catch((err: unknown) => {
                  if (err instanceof FlavorNotFound) return null;
                  throw err;
                })
              )?.name ?? null,
            );
          }
          const fields = [
            inst.display_name,
            inst.host,
            typeId === null ? null : flavorNames.get(typeId),
            inst.vm_state,
            inst.launched_at,
            inst.image_ref,
            inst.kernel_id,
            inst.ramdisk_id,
            inst.project_id,
            inst.user_id,
            inst.availability_zone,
          ];
          out(`${fields.map((f, i) => pad(f, widths[i] as number)).join(' ')} ${pad(inst.launch_index ?? 0, 10)}`);
        }
      });
    });
}
