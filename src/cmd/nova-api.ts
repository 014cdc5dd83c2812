import { Command } from 'commander';
import type { RunningApi } from '../api/server.js';
import { InvalidConfig } from '../common/errors.js';
import { apiOpts } from '../config/api-opts.js';
import { GlanceImageService } from '../image/glance-client.js';
import { glanceOpts } from '../image/opts.js';
import { serviceOpts } from '../service/opts.js';
import { startMetadataService, startOsapiCompute } from './apis.js';
import { type CommonArgs, loadConfigOrExit, onShutdown, setupLogging, startOrExit, withConfigArgs } from './common.js';
import { startEc2Api } from './ec2-services.js';
import { openRuntime } from './runtime.js';

const program = withConfigArgs(new Command('nova-api')).description('serve the APIs named in enabled_apis');
program.parse(process.argv.slice(2), { from: 'user' });
const conf = loadConfigOrExit(program.opts<CommonArgs>());
setupLogging(conf, 'nova-api');

// Tokens are validated against the Keystone of [keystone_authtoken] (or auth_strategy =
// noauth2), and images come from the Glance of [glance] api_servers.
const enabled = conf.get(apiOpts).enabled_apis;
const { runtime, apis } = await startOrExit(async () => {
  const glance = conf.get(glanceOpts).api_servers[0];
  if (enabled.includes('osapi_compute') && !glance) {
    throw new InvalidConfig('[glance] api_servers is not set: nova-api serves images from that image service');
  }
  const runtime = await openRuntime(conf, { database: true });
  const apis: RunningApi[] = [];
  if (enabled.includes('osapi_compute') && glance) {
    const api = await startOsapiCompute(runtime, { images: GlanceImageService.fromConfig(conf), imageEndpoint: glance });
    apis.push(api);
    process.stdout.write(`nova-api listening on ${api.url}\n`);
  }
  if (enabled.includes('metadata')) {
    const metadata = await startMetadataService(runtime);
    apis.push(metadata);
    process.stdout.write(`nova-api metadata listening on ${metadata.url}\n`);
  }
  if (enabled.includes('ec2')) {
    const ec2 = await startEc2Api(runtime, { images: GlanceImageService.fromConfig(conf) });
    apis.push(ec2);
    process.stdout.write(`nova-api EC2 API listening on ${ec2.url}\n`);
  }
  return { runtime, apis };
});
onShutdown(async () => {
  // All at once: one API still finishing a long request must not keep the others accepting.
  await Promise.all(apis.map((api) => api.close()));
  await runtime.close();
}, conf.get(serviceOpts).graceful_shutdown_timeout ?? 60);
