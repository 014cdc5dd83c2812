/**
 * The whole cloud in this process, started the way nova-all starts it (src/cmd/embedded-cloud.ts):
 * identity, image and compute APIs on ephemeral ports, conductor, scheduler, network, cert,
 * consoleauth and a fake-driver compute service, state in a temporary directory. Tests drive
 * it over HTTP as a client would, with Keystone tokens from the embedded identity service.
 *
 * The backend is a parameter: SQLite and the in-process bus, or PostgreSQL and RabbitMQ
 * (a scratch database and a throwaway vhost). Notifications go over the cloud's own bus
 * (`notification_driver = rpc`), and the harness listens on `notifications.info`, so a test
 * awaits "compute.instance.create.end" instead of polling on a timer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { login, uploadTinyImage } from '../../bench/boot-client.js';
import { type EmbeddedCloud, startEmbeddedCloud } from '../../src/cmd/embedded-cloud.js';
import { prepareStateDir } from '../../src/cmd/state-dir.js';
import { Config } from '../../src/config/config.js';
import '../../src/cmd/all-opts.js';
import type { Db } from '../../src/db/api/common.js';
import type { Consumer, Replier } from '../../src/rpc/transport.js';
import type { RpcMessage } from '../../src/rpc/wire.js';
import { ENGINES } from '../integration/db/engines.js';
import { createVhost, deleteVhost, probeRabbit, RABBIT } from '../integration/rpc/rabbit.js';
import { withEphemeralPorts } from '../support/ephemeral-ports.js';
import { requireExternal } from '../support/externals.js';
import { ManualClock } from '../support/manual-clock.js';

const ADMIN_PASSWORD = 'cloud-harness-admin';
const DEMO_PASSWORD = 'cloud-harness-demo';
/** How long a test waits for a notification before it fails (a bound, not a pace). */
const NOTIFICATION_TIMEOUT_MS = 60_000;

export interface CloudBackend {
  /** Shown in test names. */
  name: string;
  /** `[DEFAULT] transport_url`. */
  transportUrl: string;
  /** `[database] connection`; null keeps nova-all's SQLite file in the state directory. */
  databaseUrl: string | null;
}

export interface Notification {
  event_type: string;
  publisher_id: string;
  priority: string;
  payload: Record<string, unknown>;
}

export interface HttpResult<T> {
  status: number;
  /** The parsed JSON body (null when empty), of the shape the test expects. */
  body: T;
  headers: Headers;
}

export interface WholeCloud {
  backend: CloudBackend;
  cloud: EmbeddedCloud;
  /** The cloud's own database handle, for checks no API exposes. */
  db: Db;
  /** Heartbeats and periodic tasks run only when a test advances this clock. */
  clock: ManualClock;
  computeUrl: string;
  imageUrl: string;
  adminToken: string;
  demoToken: string;
  /** A public raw image, uploaded through the image API. */
  imageId: string;
  /** JSON over HTTP with a token, as any client sends it. */
  call<T = unknown>(method: string, url: string, token: string, body?: unknown): Promise<HttpResult<T>>;
  /** The first notification of `eventTypes` about instance `uuid`, received or still to come. */
  notification(uuid: string, eventTypes: readonly string[]): Promise<Notification>;
  stop(): Promise<void>;
}

async function call<T>(method: string, url: string, token: string, body?: unknown): Promise<HttpResult<T>> {
  const response = await fetch(url, {
    method,
    headers: {
      'x-auth-token': token,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

/** Keeps every notification on the bus and hands them to the tests that wait for them. */
class NotificationListener {
  readonly received: Notification[] = [];
  #waiters: Array<() => void> = [];
  consumer: Consumer | null = null;

  handle = async (message: RpcMessage, _replier: Replier | null): Promise<void> => {
    this.received.push(message as unknown as Notification);
    for (const wake of this.#waiters.splice(0)) wake();
  };

  async find(uuid: string, eventTypes: readonly string[]): Promise<Notification> {
    const match = () => this.received.find((n) => eventTypes.includes(n.event_type) && n.payload?.instance_id === uuid);
    const deadline = Date.now() + NOTIFICATION_TIMEOUT_MS;
    for (;;) {
      const found = match();
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.received.filter((n) => n.payload?.instance_id === uuid).map((n) => n.event_type);
        throw new Error(
          `no ${eventTypes.join(' or ')} for ${uuid} within ${NOTIFICATION_TIMEOUT_MS} ms; saw ${seen.join(', ') || 'nothing'}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** nova.conf values a test adds to the harness's own, by section. */
export type ConfOverrides = Record<string, Record<string, unknown>>;

export async function startWholeCloud(backend: CloudBackend, overrides: ConfOverrides = {}): Promise<WholeCloud> {
  const stateRoot = mkdtempSync(join(tmpdir(), 'nova-cloud-'));
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(stateRoot, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    const state = prepareStateDir(stateRoot);
    const conf = Config.load({
      configFiles: [state.configFile],
      overrides: withEphemeralPorts({
        DEFAULT: {
          transport_url: backend.transportUrl,
          notification_driver: ['rpc'],
          rpc_response_timeout: 30,
          // The first periodic pass is due at once, and happens when a test advances the clock.
          periodic_fuzzy_delay: 0,
          ...overrides.DEFAULT,
        },
        ...Object.fromEntries(Object.entries(overrides).filter(([group]) => group !== 'DEFAULT')),
        identity: { admin_password: ADMIN_PASSWORD, demo_password: DEMO_PASSWORD },
        ...(backend.databaseUrl ? { database: { connection: backend.databaseUrl } } : {}),
      }),
    });
    const clock = new ManualClock();
    const cloud = await startEmbeddedCloud(conf, { stateDir: state.root, clock });
    cleanups.push(() => cloud.stop());

    const notifications = new NotificationListener();
    notifications.consumer = await cloud.runtime.transport.consume('notifications.info', 'cloud-harness', notifications.handle);
    cleanups.push(async () => notifications.consumer?.stop());

    const { admin, demo } = cloud.bootstrap;
    const adminSession = await login(cloud.identityUrl, admin.userName, ADMIN_PASSWORD, admin.projectName);
    const demoSession = await login(cloud.identityUrl, demo.userName, DEMO_PASSWORD, demo.projectName);
    const computeUrl = demoSession.endpoints.get('compute');
    const imageUrl = adminSession.endpoints.get('image');
    if (!computeUrl || !imageUrl) throw new Error(`the catalog lacks compute or image: ${[...demoSession.endpoints.keys()].join(', ')}`);
    const imageId = await uploadTinyImage(imageUrl, adminSession.token);

    return {
      backend,
      cloud,
      db: cloud.runtime.db as Db,
      clock,
      computeUrl,
      imageUrl,
      adminToken: adminSession.token,
      demoToken: demoSession.token,
      imageId,
      call,
      notification: (uuid, eventTypes) => notifications.find(uuid, eventTypes),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

interface BackendChoice {
  name: string;
  /** What to check before starting; null when nothing external is needed. */
  needs: Array<{ external: string; probe: () => Promise<string | null> }>;
  /** Creates the backend's scratch resources; `cleanups` gets their removal. */
  create(cleanups: Array<() => Promise<void>>): Promise<CloudBackend>;
}

const postgres = ENGINES.find((e) => e.name === 'postgres');

export const CLOUD_BACKENDS: readonly BackendChoice[] = [
  {
    name: 'sqlite + in-process bus',
    needs: [],
    create: async () => ({ name: 'sqlite + in-process bus', transportUrl: 'local://', databaseUrl: null }),
  },
  {
    name: 'postgresql + rabbitmq',
    needs: [
      { external: postgres?.external ?? 'PostgreSQL', probe: () => postgres?.probe() ?? Promise.resolve('no postgres engine') },
      { external: `RabbitMQ at ${RABBIT.host}:${RABBIT.port}`, probe: probeRabbit },
    ],
    async create(cleanups) {
      const database = await (postgres as NonNullable<typeof postgres>).create();
      cleanups.push(database.drop);
      const vhost = await createVhost();
      cleanups.push(() => deleteVhost(vhost));
      const { username, password, host, port } = RABBIT;
      return {
        name: 'postgresql + rabbitmq',
        transportUrl: `rabbit://${username}:${password}@${host}:${port}/${encodeURIComponent(vhost)}`,
        databaseUrl: database.url,
      };
    },
  },
];

/**
 * Registers one top-level test per backend, each with a cloud of its own; `body` declares
 * its cases with `t.test`. A backend whose services are missing skips, or fails under CI=true.
 */
export function forEachCloudBackend(
  title: string,
  body: (t: TestContext, cloud: WholeCloud) => Promise<void>,
  extra: ConfOverrides = {},
): void {
  for (const choice of CLOUD_BACKENDS) {
    test(`${title} [${choice.name}]`, async (t) => {
      for (const need of choice.needs) if (!requireExternal(t, need.external, await need.probe())) return;
      const cleanups: Array<() => Promise<void>> = [];
      try {
        const cloud = await startWholeCloud(await choice.create(cleanups), extra);
        cleanups.push(() => cloud.stop());
        await body(t, cloud);
      } finally {
        for (const step of cleanups.reverse()) await step().catch(() => undefined);
      }
    });
  }
}
