import { Command } from 'commander';
import { apiOpts } from '../api/opts.js';
import { GlanceImageService } from '../image/glance-client.js';
import { glanceOpts } from '../image/opts.js';
import { serviceOpts } from '../service/opts.js';
import { startOsapiCompute } from './apis.js';
import { type CommonArgs, loadConfigOrExit, onShutdown, setupLogging, withConfigArgs } from './common.js';
import { startEc2Api } from './ec2-services.js';
import { openRuntime } from './runtime.js';

const program = withConfigArgs(new Command('nova-api')).description('serve the OpenStack Compute API');
program.parse(process.argv.slice(2), { from: 'user' });
const conf = loadConfigOrExit(program.opts<CommonArgs>());
setupLogging(conf, 'nova-api');

const runtime = await openRuntime(conf, { database: true });
// Tokens are validated against the Keystone of [keystone_authtoken] (or auth_strategy =
// noauth2), and images come from the Glance of [glance] api_servers.
const glance = conf.get(glanceOpts).api_servers[0];
if (!glance) {
  process.stderr.write('nova-api needs [glance] api_servers\n');
  process.exit(2);
}
const api = await startOsapiCompute(runtime, { images: GlanceImageService.fromConfig(conf), imageEndpoint: glance });
process.stdout.write(`nova-api listening on ${api.url}\n`);
const ec2 = conf.get(apiOpts).enabled_apis.includes('ec2')
  ? await startEc2Api(runtime, { images: GlanceImageService.fromConfig(conf) })
  : null;
if (ec2) process.stdout.write(`nova-api EC2 API listening on ${ec2.url}\n`);
onShutdown(async () => {
  await ec2?.close();
  await api.close();
  await runtime.close();
}, conf.get(serviceOpts).graceful_shutdown_timeout ?? 60);
