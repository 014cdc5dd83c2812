/**
 * `nova-manage flavor` (alias `instance_type`): create, delete, list flavors and set or
 * unset extra specs, with Grizzly's messages and exit codes (create: invalid input 1,
 * exists 2, anything else 3).
 */
import type { Command } from 'commander';
import { FlavorExists, FlavorNotFound, Invalid, type NovaError } from '../../common/errors.js';
import { FlavorAPI } from '../../compute/flavors.js';
import { adminContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import { FlavorExtraSpecsNotFound, FlavorIdExists, type FlavorRecord, flavorGetByName } from '../../db/api/flavors.js';
import { type ConfigProvider, ManageError } from './context.js';
import { out, pyDict, pyStr, withDb } from './format.js';

interface CreateOpts {
  name: string;
  memory: string;
  cpu: string;
  root_gb: string;
  ephemeral_gb: string;
  flavor?: string;
  swap: string;
  rxtx_factor: string;
  is_public: string;
}

function describe(f: FlavorRecord, specs: Record<string, string>): string {
  const visibility = f.is_public ? 'public' : 'private';
  return (
    `${f.name}: Memory: ${f.memory_mb}MB, VCPUS: ${f.vcpus}, Root: ${f.root_gb}GB, Ephemeral: ${f.ephemeral_gb}Gb, ` +
    `FlavorID: ${f.flavorid}, Swap: ${f.swap}MB, RXTX Factor: ${pyStr(f.rxtx_factor)}, ${visibility}, ExtraSpecs ${pyDict(specs)}`
  );
}

async function printFlavors(db: Db, name?: string): Promise<void> {
  const api = new FlavorAPI(db);
  const ctx = adminContext();
  const flavors = name ? [await flavorGetByName(db, ctx, name)] : await api.getAll(ctx, {});
  for (const f of flavors) out(describe(f, f.extra_specs ?? (await api.getExtraSpecs(null, f.flavorid as string))));
}

async function byName(db: Db, name: string): Promise<FlavorRecord> {
  try {
    return await flavorGetByName(db, adminContext(), name);
  } catch (err) {
    if (err instanceof FlavorNotFound) throw new ManageError(`Flavor with name ${name} could not be found.`, 2);
    throw err;
  }
}

function registerFlavorCategory(program: Command, config: ConfigProvider, category: string): void {
  const flavor = program.command(category).description('flavors (instance types) and their extra specs');

  flavor
    .command('create')
    .description('create a flavor')
    .requiredOption('--name <name>')
    .requiredOption('--memory <mb>')
    .requiredOption('--cpu <n>')
    .requiredOption('--root_gb <gb>')
    .option('--ephemeral_gb <gb>', 'ephemeral disk', '0')
    .option('--flavor <id>', 'flavor id (default: a new uuid)')
    .option('--swap <mb>', 'swap', '0')
    .option('--rxtx_factor <factor>', 'network bandwidth factor', '1.0')
    .option('--is_public <bool>', 'visible to every project', 'True')
    .action(async (opts: CreateOpts) => {
      await withDb(config(), async (db) => {
        try {
          await new FlavorAPI(db).create(adminContext(), {
            name: opts.name,
            memoryMb: opts.memory,
            vcpus: opts.cpu,
            rootGb: opts.root_gb,
            ephemeralGb: opts.ephemeral_gb,
            flavorId: opts.flavor ?? null,
            swap: opts.swap,
            rxtxFactor: opts.rxtx_factor,
            isPublic: !['false', '0', 'no', 'off'].includes(opts.is_public.toLowerCase()),
          });
        } catch (err) {
          if (err instanceof FlavorExists || err instanceof FlavorIdExists) {
            out('Instance Type exists.');
            out('Please ensure instance_type name and flavorid are unique.');
            out('Currently defined instance_type names and flavorids:');
            out();
            await printFlavors(db);
            throw new ManageError('', 2);
          }
          if (err instanceof Invalid) {
            out('Must supply valid parameters to create instance_type');
            out((err as NovaError).message);
            throw new ManageError('', 1);
          }
          out('Unknown error');
          throw new ManageError((err as Error).message, 3);
        }
        out(`${opts.name} created`);
      });
    });

  flavor
    .command('delete')
    .description('delete a flavor by name')
    .requiredOption('--name <name>')
    .action(async (opts: { name: string }) => {
      await withDb(config(), async (db) => {
        let flavor: FlavorRecord;
        try {
          flavor = await flavorGetByName(db, adminContext(), opts.name);
        } catch (err) {
          if (!(err instanceof FlavorNotFound)) throw err;
          out('Valid instance type name is required');
          throw new ManageError('', 1);
        }
        await new FlavorAPI(db).delete(adminContext(), flavor.flavorid as string);
        out(`${opts.name} deleted`);
      });
    });

  flavor
    .command('list')
    .description('list flavors, or one by --name')
    .option('--name <name>')
    .action(async (opts: { name?: string }) => {
      await withDb(config(), async (db) => {
        if (opts.name) await byName(db, opts.name);
        await printFlavors(db, opts.name);
      });
    });

  flavor
    .command('set_key')
    .description('set an extra spec on a flavor')
    .requiredOption('--name <name>')
    .requiredOption('--key <key>')
    .option('--value <value>')
    .action(async (opts: { name: string; key: string; value?: string }) => {
      await withDb(config(), async (db) => {
        const flavor = await byName(db, opts.name);
        await new FlavorAPI(db).updateExtraSpecs(adminContext(), flavor.flavorid as string, { [opts.key]: opts.value ?? 'None' });
        out(`Key ${opts.key} set to ${pyStr(opts.value)} on instance type ${opts.name}`);
      });
    });

  flavor
    .command('unset_key')
    .description('remove an extra spec from a flavor')
    .requiredOption('--name <name>')
    .requiredOption('--key <key>')
    .action(async (opts: { name: string; key: string }) => {
      await withDb(config(), async (db) => {
        const flavor = await byName(db, opts.name);
        try {
          await new FlavorAPI(db).deleteExtraSpec(adminContext(), flavor.flavorid as string, opts.key);
        } catch (err) {
          if (err instanceof FlavorExtraSpecsNotFound) throw new ManageError((err as Error).message, 1);
          throw err;
        }
        out(`Key ${opts.key} on instance type ${opts.name} unset`);
      });
    });
}

export function registerFlavorCommands(program: Command, config: ConfigProvider): void {
  registerFlavorCategory(program, config, 'flavor');
  registerFlavorCategory(program, config, 'instance_type');
}
