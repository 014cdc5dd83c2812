import { Command } from 'commander';
import { InvalidConfig } from '../common/errors.js';
import { GlanceImageService } from '../image/glance-client.js';
import { glanceOpts } from '../image/opts.js';
import { serviceOpts } from '../service/opts.js';
import { startOsapiCompute } from './apis.js';
import { type CommonArgs, loadConfigOrExit, onShutdown, setupLogging, startOrExit, withConfigArgs } from './common.js';
import { openRuntime } from './runtime.js';

const program = withConfigArgs(new Command('nova-api')).description('serve the OpenStack Compute API');
program.parse(process.argv.slice(2), { from: 'user' });
const conf = loadConfigOrExit(program.opts<CommonArgs>());
setupLogging(conf, 'nova-api');

// Tokens are validated against the Keystone of [keystone_authtoken] (or auth_strategy =
// noauth2), and images come from the Glance of [glance] api_servers.
const { runtime, api } = await startOrExit(async () => {
  const glance = conf.get(glanceOpts).api_servers[0];
  if (!glance) throw new InvalidConfig('[glance] api_servers is not set: nova-api serves images from that image service');
  const runtime = await openRuntime(conf, { database: true });
  const api = await startOsapiCompute(runtime, { images: GlanceImageService.fromConfig(conf), imageEndpoint: glance });
  return { runtime, api };
});
process.stdout.write(`nova-api listening on ${api.url}\n`);
onShutdown(async () => {
  await api.close();
  await runtime.close();
}, conf.get(serviceOpts).graceful_shutdown_timeout ?? 60);
