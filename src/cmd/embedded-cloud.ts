import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningApi } from '../api/server.js';
import type { Clock } from '../common/clock.js';
import { getLogger } from '../common/log.js';
import { seedDefaultFlavors } from '../compute/flavors.js';
import { apiOpts } from '../config/api-opts.js';
import type { Config } from '../config/config.js';
import { ec2Opts } from '../config/ec2-api-opts.js';
import type { Database } from '../db/engine.js';
import type { IdentitySchema } from '../db/identity/schema.js';
import type { ImageSchema } from '../db/image/schema.js';
import { NOVA_REPOSITORY, novaMigrations } from '../db/migrations/nova/index.js';
import { migrate } from '../db/migrator.js';
import { type BootstrapResult, bootstrapIdentity, writeCloudsYaml } from '../identity/bootstrap.js';
import { buildCatalog, catalogSpecs } from '../identity/catalog.js';
import { identityOpts } from '../identity/opts.js';
import { type RunningIdentityService, startIdentityService } from '../identity/server.js';
import { GlanceImageService } from '../image/glance-client.js';
import { glanceOpts } from '../image/opts.js';
import { startImageService } from '../image/server.js';
import { ensureDefaultNetwork } from '../network/bootstrap.js';
import type { Service } from '../service/service.js';
import { imageTokenValidator, startMetadataService, startOsapiCompute } from './apis.js';
import { type RunningEc2, startEc2Api, startObjectStore } from './ec2-services.js';
import { forwardGuestMetadataTo, signedGuestMetadata } from './guest-metadata.js';
import { novaAllOpts } from './nova-all-opts.js';
import { openRuntime, type Runtime } from './runtime.js';
import { createService, type RpcBinary } from './service-table.js';

const log = getLogger('nova.all');

/** Started in this order, so that nova-compute finds its conductor already consuming. */
const EMBEDDED_SERVICES: readonly RpcBinary[] = [
  'nova-conductor',
  'nova-scheduler',
  'nova-network',
  'nova-cert',
  'nova-consoleauth',
  'nova-compute',
];

export interface EmbeddedCloud {
  runtime: Runtime;
  computeUrl: string;
  /** Null when `enabled_apis` leaves the metadata service out. */
  metadataUrl: string | null;
  identityUrl: string;
  /** The EC2 API's base URL; null when `enabled_apis` leaves it out. */
  ec2: RunningEc2 | null;
  objectstoreUrl: string;
  services: Service[];
  identity: RunningIdentityService;
  bootstrap: BootstrapResult;
  cloudsYaml: string | null;
  /** What nova-all prints once it is up. */
  summary: string;
  stop(): Promise<void>;
}

async function runEach(steps: Array<() => Promise<void>>): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      log.error({ err }, 'error while stopping');
    }
  }
}

function listenUrl(url: string): string {
  return url.replace('://0.0.0.0:', '://127.0.0.1:');
}

/**
 * Every nova-ts service in one process: the identity, compute API and RPC services over
 * one database and the in-process bus (or whatever nova.conf names). The compute API
 * listens before the slower start-up work, so clients see the version document at once.
 */
export async function startEmbeddedCloud(conf: Config, options: { stateDir: string; clock?: Clock }): Promise<EmbeddedCloud> {
  const runtime = await openRuntime(conf, { database: true });
  const stops: Array<() => Promise<void>> = [() => runtime.close()];
  /** The APIs clients send work through: closed before anything else stops. */
  const frontDoors: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    // Stop accepting first (each API finishes the requests already inside), then let the
    // services finish what those requests handed them — the in-process bus dies with the
    // process — and only then stop the services, in the reverse of their start order.
    // All at once: one API still finishing a long request must not keep the others accepting.
    await Promise.all(frontDoors.splice(0).map((close) => runEach([close])));
    try {
      await runtime.transport.drain?.();
    } catch (err) {
      log.error({ err }, 'error while draining the bus');
    }
    await runEach(stops.reverse());
  };
  try {
    const db = runtime.db as NonNullable<Runtime['db']>;
    await migrate(db, NOVA_REPOSITORY, novaMigrations);
    await seedDefaultFlavors(db);
    await ensureDefaultNetwork(db, conf);

    const io = conf.get(identityOpts);
    const identity = await startIdentityService(conf, { database: db as unknown as Database<IdentitySchema> });
    stops.push(() => identity.close());
    const identityUrl = `${listenUrl(identity.url)}/v3`;

    const image = await startImageService(conf, {
      authenticate: imageTokenValidator(conf, identity.service),
      database: db as unknown as Database<ImageSchema>,
    });
    stops.push(() => image.close());
    const imageUrl = listenUrl(image.url);
    // nova-compute in this process fetches images for its hypervisor from the embedded service.
    if (conf.get(glanceOpts).api_servers.length === 0) conf.set('glance', 'api_servers', [imageUrl]);

    const compute: RunningApi = await startOsapiCompute(runtime, {
      images: GlanceImageService.fromConfig(conf, imageUrl),
      imageEndpoint: io.image_endpoint ?? imageUrl,
      identity: identity.service,
      identityUri: identityUrl.replace(/\/v3$/, ''),
    });
    frontDoors.push(() => compute.close());

    signedGuestMetadata(conf, options.stateDir);
    const metadata = conf.get(apiOpts).enabled_apis.includes('metadata') ? await startMetadataService(runtime) : null;
    if (metadata) frontDoors.push(() => metadata.close());
    if (metadata) forwardGuestMetadataTo(conf, listenUrl(metadata.url));

    const objectstore = await startObjectStore(conf, { identity: identity.service });
    frontDoors.push(() => objectstore.close());
    let ec2: RunningEc2 | null = null;
    if (conf.get(apiOpts).enabled_apis.includes('ec2')) {
      ec2 = await startEc2Api(runtime, {
        images: GlanceImageService.fromConfig(conf, imageUrl),
        identity: identity.service,
        objectstoreUrl: objectstore.url,
      });
      frontDoors.push(() => (ec2 as RunningEc2).close());
    }
    const ec2Endpoint = io.ec2_endpoint ?? (ec2 ? `${ec2.url}${conf.get(ec2Opts).ec2_path ?? '/services/Cloud'}` : null);

    identity.service.setCatalog(
      buildCatalog(
        catalogSpecs({
          identity: io.identity_endpoint ?? identityUrl,
          compute: io.compute_endpoint ?? `${compute.url}/v2.1`,
          image: io.image_endpoint ?? imageUrl,
          ec2: ec2Endpoint,
        }),
        io.region ?? 'RegionOne',
      ),
    );

    const services: Service[] = [];
    const start = async (binary: RpcBinary, serviceConf: Config): Promise<void> => {
      const service = createService(binary, { ...runtime, conf: serviceConf, clock: options.clock });
      await service.start();
      services.push(service);
      stops.push(() => service.stop());
    };
    for (const binary of EMBEDDED_SERVICES) await start(binary, conf);
    for (const host of conf.get(novaAllOpts).embedded_compute_hosts) {
      await start('nova-compute', conf.derive({ DEFAULT: { host, fake_hypervisor_hostname: null } }));
    }

    const bootstrap = await bootstrapIdentity(identity.service, { adminPassword: io.admin_password, demoPassword: io.demo_password });
    const cloudsYaml = join(options.stateDir, 'clouds.yaml');
    const passwordsKnown = bootstrap.admin.password !== null && bootstrap.demo.password !== null;
    if (passwordsKnown) {
      await writeCloudsYaml(cloudsYaml, {
        authUrl: identityUrl,
        region: io.region ?? 'RegionOne',
        admin: {
          username: bootstrap.admin.userName,
          password: bootstrap.admin.password as string,
          projectName: bootstrap.admin.projectName,
        },
        demo: { username: bootstrap.demo.userName, password: bootstrap.demo.password as string, projectName: bootstrap.demo.projectName },
      });
    }

    const lines = [
      'nova-ts is running',
      `  compute API   ${compute.url}/v2.1`,
      `  identity API  ${identityUrl}`,
      `  image API     ${imageUrl}`,
      ...(ec2 ? [`  EC2 API       ${ec2.url}/   (aws --endpoint-url ${ec2.url}/ ec2 ...)`] : []),
      `  object store  ${objectstore.url}   (aws --endpoint-url ${objectstore.url} s3 ...)`,
      `  state         ${options.stateDir}`,
    ];
    if (metadata) lines.splice(4, 0, `  metadata      ${metadata.url}`);
    if (existsSync(cloudsYaml)) lines.push(`  clouds.yaml   ${cloudsYaml}   (export OS_CLIENT_CONFIG_FILE=${cloudsYaml} OS_CLOUD=nova-ts)`);
    if (bootstrap.admin.generated) lines.push(`  admin password (shown once): ${bootstrap.admin.password}`);
    if (bootstrap.demo.generated) lines.push(`  demo password  (shown once): ${bootstrap.demo.password}`);
    return {
      runtime,
      computeUrl: compute.url,
      metadataUrl: metadata?.url ?? null,
      identityUrl,
      ec2,
      objectstoreUrl: objectstore.url,
      services,
      identity,
      bootstrap,
      cloudsYaml: existsSync(cloudsYaml) ? cloudsYaml : null,
      summary: `${lines.join('\n')}\n`,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
