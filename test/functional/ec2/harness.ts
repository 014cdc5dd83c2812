/**
 * The whole embedded cloud (nova-all in-process) on free ports in a temp state
 * directory, with EC2 key pairs for the bootstrap admin and demo users made through the
 * identity API as `openstack ec2 credentials create` makes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedCloud, startEmbeddedCloud } from '../../../src/cmd/embedded-cloud.js';
import { prepareStateDir } from '../../../src/cmd/state-dir.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import type { AwsKeys } from '../../support/aws-client.js';
import { withEphemeralPorts } from '../../support/ephemeral-ports.js';

export const ADMIN_PASSWORD = 'admin-secret';
export const DEMO_PASSWORD = 'demo-secret';

export interface Ec2Cloud {
  cloud: EmbeddedCloud;
  stateDir: string;
  ec2Url: string;
  s3Url: string;
  admin: AwsKeys;
  demo: AwsKeys;
  /** A token of the demo user (project-scoped). */
  demoToken: string;
  token(user: 'admin' | 'demo'): Promise<string>;
  stop(): Promise<void>;
}

async function issueToken(identityUrl: string, user: string, password: string): Promise<string> {
  const res = await fetch(`${identityUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: user, domain: { id: 'default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token for ${user}: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token') as string;
}

export async function ec2KeysFor(identityUrl: string, token: string, userId: string, projectId: string): Promise<AwsKeys> {
  const res = await fetch(`${identityUrl}/users/${userId}/credentials/OS-EC2`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Auth-Token': token },
    body: JSON.stringify({ tenant_id: projectId }),
  });
  if (res.status !== 201) throw new Error(`ec2 credentials: ${res.status} ${await res.text()}`);
  const { credential } = (await res.json()) as { credential: { access: string; secret: string } };
  return { access: credential.access, secret: credential.secret };
}

export async function startEc2Cloud(overrides: Record<string, Record<string, unknown>> = {}): Promise<Ec2Cloud> {
  const stateDir = mkdtempSync(join(tmpdir(), 'nova-ec2-'));
  const state = prepareStateDir(stateDir);
  const conf = Config.load({
    configFiles: [state.configFile],
    overrides: withEphemeralPorts({
      ...overrides,
      DEFAULT: {
        periodic_enable: false,
        image_decryption_dir: join(stateDir, 'decrypt'),
        ...(overrides.DEFAULT ?? {}),
      },
      identity: { admin_password: ADMIN_PASSWORD, demo_password: DEMO_PASSWORD, ...(overrides.identity ?? {}) },
    }),
  });
  const cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
  try {
    const b = cloud.bootstrap;
    const token = (user: 'admin' | 'demo') => issueToken(cloud.identityUrl, user, user === 'admin' ? ADMIN_PASSWORD : DEMO_PASSWORD);
    const adminToken = await token('admin');
    const demoToken = await token('demo');
    return {
      cloud,
      stateDir,
      ec2Url: cloud.ec2?.url ?? '',
      s3Url: cloud.objectstoreUrl,
      admin: await ec2KeysFor(cloud.identityUrl, adminToken, b.admin.userId, b.admin.projectId),
      demo: await ec2KeysFor(cloud.identityUrl, demoToken, b.demo.userId, b.demo.projectId),
      demoToken,
      token,
      async stop() {
        await cloud.stop();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await cloud.stop();
    throw err;
  }
}
