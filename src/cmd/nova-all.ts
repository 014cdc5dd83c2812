import { Command } from 'commander';
import { serviceOpts } from '../service/opts.js';
import { type CommonArgs, loadConfigOrExit, onShutdown, setupLogging, withConfigArgs } from './common.js';
import { startEmbeddedCloud } from './embedded-cloud.js';
import { prepareStateDir } from './state-dir.js';

const program = withConfigArgs(new Command('nova-all'))
  .description('run every nova-ts service in one process, with all state in one directory')
  .option('--state-dir <dir>', 'directory for the databases, logs, instances and the generated nova.conf', './nova-state');
program.parse(process.argv.slice(2), { from: 'user' });
const args = program.opts<CommonArgs & { stateDir: string }>();

const state = prepareStateDir(args.stateDir);
const conf = loadConfigOrExit({ ...args, configFile: [state.configFile, ...args.configFile] });
setupLogging(conf, 'nova-all');

let cloud: Awaited<ReturnType<typeof startEmbeddedCloud>>;
try {
  cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
} catch (err) {
  process.stderr.write(`nova-all failed to start: ${(err as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(cloud.summary);
onShutdown(() => cloud.stop(), conf.get(serviceOpts).graceful_shutdown_timeout ?? 60);
