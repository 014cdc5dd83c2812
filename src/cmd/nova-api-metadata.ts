import { Command } from 'commander';
import { serviceOpts } from '../service/opts.js';
import { startMetadataService } from './apis.js';
import { type CommonArgs, loadConfigOrExit, onShutdown, setupLogging, withConfigArgs } from './common.js';
import { openRuntime } from './runtime.js';

const program = withConfigArgs(new Command('nova-api-metadata')).description('serve the metadata service to guests');
program.parse(process.argv.slice(2), { from: 'user' });
const conf = loadConfigOrExit(program.opts<CommonArgs>());
setupLogging(conf, 'nova-api-metadata');

const runtime = await openRuntime(conf, { database: true });
const api = await startMetadataService(runtime);
process.stdout.write(`nova-api-metadata listening on ${api.url}\n`);
onShutdown(async () => {
  await api.close();
  await runtime.close();
}, conf.get(serviceOpts).graceful_shutdown_timeout ?? 60);
