import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { writeCloudsYaml } from '../../../src/identity/bootstrap.js';
import { requireExternal } from '../../support/externals.js';
import { ADMIN_PASSWORD, call, DEMO_PASSWORD, type Harness, startHarness, tokenFor } from './harness.js';

const run = promisify(execFile);

function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Keystone's ec2Credentials body for a SigV2 request, signed with `secret`. */
function v2Credentials(access: string, secret: string, at: Date): Record<string, unknown> {
  const params: Record<string, string> = {
    Action: 'DescribeRegions',
    Version: '2010-10-30',
    AWSAccessKeyId: access,
    SignatureVersion: '2',
    SignatureMethod: 'HmacSHA256',
    Timestamp: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const query = Object.keys(params)
    .sort()
    .map((k) => `${enc(k)}=${enc(params[k] as string)}`)
    .join('&');
  const signature = createHmac('sha256', secret).update(`POST\nec2.test:8773\n/services/Cloud\n${query}`).digest('base64');
  return { access, signature, host: 'ec2.test:8773', verb: 'POST', path: '/services/Cloud', params };
}

describe('the identity service exchanges EC2 signatures for tokens', () => {
  let h: Harness;
  let demoToken: string;
  let keys: { access: string; secret: string };

  before(async () => {
    h = await startHarness();
    demoToken = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const created = await call(h, 'POST', `/v3/users/${h.accounts.demo.userId}/credentials/OS-EC2`, {
      token: demoToken,
      body: { tenant_id: h.accounts.demo.projectId },
    });
    assert.equal(created.status, 201);
    keys = { access: created.body.credential.access, secret: created.body.credential.secret };
  });
  after(async () => {
    await h.stop();
  });

  test('POST /v3/ec2tokens answers a valid signature with a token of the key pair user and project', async () => {
    const r = await call(h, 'POST', '/v3/ec2tokens', { body: { credentials: v2Credentials(keys.access, keys.secret, new Date()) } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.token.user.id, h.accounts.demo.userId);
    assert.equal(r.body.token.project.id, h.accounts.demo.projectId);
    assert.deepEqual(r.body.token.methods, ['ec2credential']);
    const subject = r.headers.get('x-subject-token') as string;
    const check = await call(h, 'GET', '/v3/auth/tokens', { token: subject, subject });
    assert.equal(check.status, 200);
    const legacy = await call(h, 'POST', '/v3/ec2tokens', {
      body: { ec2Credentials: v2Credentials(keys.access, keys.secret, new Date()) },
    });
    assert.equal(legacy.status, 200);
  });

  test('a wrong signature is 401, an unknown access key 404, an old request 401, no body 400, GET 405', async () => {
    const wrong = await call(h, 'POST', '/v3/ec2tokens', { body: { credentials: v2Credentials(keys.access, 'not-it', new Date()) } });
    assert.equal(wrong.status, 401);
    const unknown = await call(h, 'POST', '/v3/ec2tokens', { body: { credentials: v2Credentials('nobody', 'x', new Date()) } });
    assert.equal(unknown.status, 404);
    const old = await call(h, 'POST', '/v3/ec2tokens', {
      body: { credentials: v2Credentials(keys.access, keys.secret, new Date(Date.now() - 20 * 60_000)) },
    });
    assert.equal(old.status, 401);
    assert.match(old.body.error.message, /expired/);
    assert.equal((await call(h, 'POST', '/v3/ec2tokens', {})).status, 400);
    assert.equal((await call(h, 'GET', '/v3/ec2tokens')).status, 405);
  });

  test('POST /v3/s3tokens checks a signature over the string the S3 server signed', async () => {
    const stringToSign = 'GET\n\n\nMon, 07 Dec 2026 17:13:10 GMT\n/bucket/key';
    const token = Buffer.from(stringToSign).toString('base64');
    const signature = createHmac('sha1', keys.secret).update(stringToSign).digest('base64');
    const ok = await call(h, 'POST', '/v3/s3tokens', { body: { credentials: { access: keys.access, token, signature } } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.token.project.id, h.accounts.demo.projectId);
    const bad = await call(h, 'POST', '/v3/s3tokens', { body: { credentials: { access: keys.access, token, signature: 'AAAA' } } });
    assert.equal(bad.status, 401);
  });

  test('openstack ec2 credentials create and list work against it', async (t) => {
    let binary: string | null = null;
    try {
      binary = execFileSync('which', ['openstack'], { encoding: 'utf8' }).trim() || null;
    } catch {
      binary = null;
    }
    if (!requireExternal(t, 'openstack (python3-openstackclient)', binary ? null : 'not on PATH')) return;
    const clouds = join(h.dir, 'clouds.yaml');
    await writeCloudsYaml(clouds, {
      authUrl: `${h.running.url}/v3`,
      region: 'RegionOne',
      admin: { username: 'admin', password: ADMIN_PASSWORD, projectName: 'admin' },
      demo: { username: 'demo', password: DEMO_PASSWORD, projectName: 'demo' },
    });
    const env: NodeJS.ProcessEnv = { ...process.env, OS_CLIENT_CONFIG_FILE: clouds, HOME: h.dir };
    for (const k of Object.keys(env)) if (k.startsWith('OS_') && k !== 'OS_CLIENT_CONFIG_FILE') delete env[k];
    const created = JSON.parse(
      (await run(binary as string, ['--os-cloud', 'nova-ts-demo', 'ec2', 'credentials', 'create', '-f', 'json'], { env, timeout: 60_000 }))
        .stdout,
    );
    assert.match(created.access, /^[0-9a-f]{32}$/);
    assert.equal(created.project_id, h.accounts.demo.projectId);
    const r = await call(h, 'POST', '/v3/ec2tokens', { body: { credentials: v2Credentials(created.access, created.secret, new Date()) } });
    assert.equal(r.status, 200);
    const listed = JSON.parse(
      (await run(binary as string, ['--os-cloud', 'nova-ts-demo', 'ec2', 'credentials', 'list', '-f', 'json'], { env, timeout: 60_000 }))
        .stdout,
    );
    assert.ok(listed.some((c: { Access: string }) => c.Access === created.access));
  });
});
