import { Command } from 'commander';
import { serviceOpts } from '../service/opts.js';
import { type CommonArgs, exitProcess, loadConfigOrExit, onShutdown, setupLogging, startOrExit, withConfigArgs } from './common.js';
import { type EmbeddedCloud, startEmbeddedCloud } from './embedded-cloud.js';
import { prepareStateDir } from './state-dir.js';

const program = withConfigArgs(new Command('nova-all'))
  .description('run every nova-ts service in one process, with all state in one directory')
  .option('--state-dir <dir>', 'directory for the databases, logs, instances and the generated nova.conf', './nova-state')
  .option(
    '--compute-driver <name>',
    'hypervisor driver, overriding compute_driver in nova.conf: fake, qemu (real VMs, no libvirt) or libvirt',
  );
program.parse(process.argv.slice(2), { from: 'user' });
const args = program.opts<CommonArgs & { stateDir: string; computeDriver?: string }>();

const state = prepareStateDir(args.stateDir);
const conf = loadConfigOrExit(
  { ...args, configFile: [state.configFile, ...args.configFile] },
  args.computeDriver ? { overrides: { DEFAULT: { compute_driver: args.computeDriver } } } : {},
);
setupLogging(conf, 'nova-all');

const starting: Promise<EmbeddedCloud> = startEmbeddedCloud(conf, { stateDir: state.root });
// Registered before start-up finishes: a SIGTERM while services are still starting waits
// for them and then stops them, instead of killing the process half-started.
onShutdown(async () => (await starting).stop(), conf.get(serviceOpts).graceful_shutdown_timeout ?? 60);
try {
  process.stdout.write((await startOrExit(() => starting)).summary);
} catch (err) {
  process.stderr.write(`nova-all failed to start: ${(err as Error).message}\n`);
  await exitProcess(1);
}
