/**
 * A cloud for metadata tests: conductor, nova-network, scheduler and one fake compute host
 * on the local bus (test/functional/compute/harness.ts), the compute API with every resource
 * nova-ts registers (noauth2 tokens `user:project`, `admin` is an administrator), and the
 * metadata service over HTTP with a clock the test drives.
 */
import { NoAuth2Strategy } from '../../../src/api/auth/noauth2.js';
import { buildMetadataApp, type MetadataApp } from '../../../src/api/metadata/app.js';
import { type RunningApi, startComputeApi } from '../../../src/api/server.js';
import { computeResourcesFor } from '../../../src/cmd/compute-resources.js';
import { ImageNotFound } from '../../../src/common/errors.js';
import { InstanceMetadataLookup } from '../../../src/compute/api/metadata-lookup.js';
import { seedDefaultFlavors } from '../../../src/compute/flavors.js';
import { Config } from '../../../src/config/config.js';
import type { Db } from '../../../src/db/api/common.js';
import type { ImageService, NovaImage } from '../../../src/image/glance-client.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { bootCloud, type Cloud, waitForRest } from '../compute/harness.js';

export const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';
export const KERNEL = '8e1c3d4a-2b5f-4c6d-9e7f-0a1b2c3d4e5f';

function image(id: string, properties: Record<string, string> = {}): NovaImage {
  return {
    id,
    name: 'cirros',
    status: 'active',
    size: 1024,
    checksum: null,
    min_ram: 0,
    min_disk: 0,
    disk_format: 'qcow2',
    container_format: 'bare',
    is_public: true,
    owner: null,
    created_at: null,
    updated_at: null,
    deleted_at: null,
    deleted: false,
    properties,
  };
}

/** The one image the compute API can boot: it names a kernel, so aki ids show. */
const images: ImageService = {
  show: async (_ctx, id) => {
    if (id === IMAGE) return image(IMAGE, { kernel_id: KERNEL, root_device_name: '/dev/vda' });
    throw new ImageNotFound(`Image ${id} could not be found.`);
  },
  detail: async () => [image(IMAGE)],
  create: async () => {
    throw new Error('not used');
  },
  update: async () => {
    throw new Error('not used');
  },
  delete: async () => {
    throw new Error('not used');
  },
  download: async () => {
    throw new Error('not used');
  },
};

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export interface MetadataCloud {
  cloud: Cloud;
  db: Db;
  computeUrl: string;
  metadataUrl: string;
  metadata: MetadataApp;
  /** Moves the metadata cache's clock forward. */
  advance(ms: number): void;
  /** Compute API call as a noauth2 token `user:project`. */
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected freely
  api(method: string, path: string, as: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** Metadata request; `from` goes into X-Forwarded-For. */
  md(path: string, options?: { from?: string; method?: string; body?: string; headers?: Record<string, string> }): Promise<Reply>;
  /** Boots a server through the API and waits until it is ACTIVE; returns its uuid and fixed IP. */
  boot(as: string, body: Record<string, unknown>): Promise<{ id: string; ip: string }>;
  close(): Promise<void>;
}

export async function startMetadataCloud(metadataOverrides: Record<string, unknown> = {}): Promise<MetadataCloud> {
  const cloud = await bootCloud();
  let api: RunningApi | undefined;
  let metadata: MetadataApp | undefined;
  try {
    await seedDefaultFlavors(cloud.db);
    await cloud.startCompute('cmp1');
    const apiConf = Config.load({
      overrides: { DEFAULT: { host: 'ctl', osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: 0, auth_strategy: 'noauth2' } },
    });
    const policy = new PolicyEnforcer(apiConf);
    api = await startComputeApi(apiConf, {
      auth: new NoAuth2Strategy(),
      policy,
      resources: computeResourcesFor(
        // The cloud owns the database and bus; the API only borrows them.
        { conf: apiConf, db: cloud.db, transport: cloud.transport, close: async () => {} },
        { policy, images, imageEndpoint: 'http://images' },
      ),
    });
    let clock = 1_000_000;
    const mdConf = Config.load({ overrides: { DEFAULT: { use_forwarded_for: true, ...metadataOverrides } } });
    metadata = buildMetadataApp({ conf: mdConf, lookup: new InstanceMetadataLookup(cloud.db, mdConf), now: () => clock });
    await metadata.app.listen({ host: '127.0.0.1', port: 0 });
    const metadataUrl = `http://127.0.0.1:${(metadata.app.server.address() as { port: number }).port}`;
    const computeUrl = api.url;
    const running = { api, metadata };

    const apiCall: MetadataCloud['api'] = async (method, path, as, body) => {
      const headers: Record<string, string> = { 'X-Auth-Token': as };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(`${computeUrl}/v2.1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
    };

    return {
      cloud,
      db: cloud.db,
      computeUrl,
      metadataUrl,
      metadata,
      advance(ms) {
        clock += ms;
      },
      api: apiCall,
      async md(path, options = {}) {
        const headers: Record<string, string> = { ...(options.headers ?? {}) };
        if (options.from !== undefined) headers['X-Forwarded-For'] = options.from;
        const res = await fetch(`${metadataUrl}${path}`, { method: options.method ?? 'GET', headers, body: options.body });
        return { status: res.status, headers: res.headers, text: await res.text() };
      },
      async boot(as, body) {
        const created = await apiCall('POST', '/servers', as, { server: { imageRef: IMAGE, flavorRef: '1', ...body } });
        if (created.status !== 202) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.json)}`);
        const id = created.json.server.id as string;
        const done = await waitForRest(cloud, id);
        if (done.vm_state !== 'active') throw new Error(`server ${id} ended ${done.vm_state}`);
        const server = (await apiCall('GET', `/servers/${id}`, as)).json.server;
        const ip = Object.values(server.addresses as Record<string, { addr: string }[]>)[0]?.[0]?.addr;
        if (!ip) throw new Error(`server ${id} is ACTIVE without an address`);
        return { id, ip };
      },
      async close() {
        await running.metadata.app.close();
        await running.api.close();
        await cloud.close();
      },
    };
  } catch (err) {
    await metadata?.app.close();
    await api?.close();
    await cloud.close();
    throw err;
  }
}
