import { Command } from 'commander';
import { serviceOpts } from '../service/opts.js';
import { type CommonArgs, loadConfigOrExit, onShutdown, setupLogging, withConfigArgs } from './common.js';
import { startObjectStore } from './ec2-services.js';

const program = withConfigArgs(new Command('nova-objectstore')).description('serve the S3 object store for EC2 image bundles');
program.parse(process.argv.slice(2), { from: 'user' });
const conf = loadConfigOrExit(program.opts<CommonArgs>());
setupLogging(conf, 'nova-objectstore');

// Signatures and tokens are checked by the Keystone of keystone_ec2_url / [keystone_authtoken].
const store = await startObjectStore(conf);
process.stdout.write(`nova-objectstore listening on ${store.url}\n`);
onShutdown(() => store.close(), conf.get(serviceOpts).graceful_shutdown_timeout ?? 60);
