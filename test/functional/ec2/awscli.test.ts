import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { uploadTinyImage } from '../../../bench/boot-client.js';
import { probe, requireExternal } from '../../support/externals.js';
import { type Ec2Cloud, startEc2Cloud } from './harness.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const awsProblem = await probe(() => run('aws', ['--version']));

function ed25519PublicKey(): string {
  const x = Buffer.from((generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(x)]).toString('base64')} test@nova-ts`;
}

// The real awscli (Debian's awscli 2, or the one on PATH) against the in-process cloud.
describe('awscli against nova-ts', () => {
  let c: Ec2Cloud;
  let home: string;
  let env: NodeJS.ProcessEnv;

  async function aws(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const r = await run('aws', args, { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout, err: err.stderr };
    }
  }
  const ec2 = (...args: string[]) => aws('--endpoint-url', `${c.ec2Url}/`, '--output', 'json', 'ec2', ...args);
  const s3 = (...args: string[]) => aws('--endpoint-url', c.s3Url, 's3', ...args);

  before(async () => {
    if (awsProblem !== null) return;
    c = await startEc2Cloud();
    home = mkdtempSync(join(tmpdir(), 'nova-awscli-'));
    env = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_ACCESS_KEY_ID: c.demo.access,
      AWS_SECRET_ACCESS_KEY: c.demo.secret,
      AWS_DEFAULT_REGION: 'nova',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
  });
  after(async () => {
    await c?.stop();
  });

  it('ec2 describe-regions, describe-availability-zones and key pairs; a wrong secret is AuthFailure', async (t) => {
    if (!requireExternal(t, 'awscli', awsProblem)) return;
    const regions = await ec2('describe-regions');
    assert.equal(regions.code, 0, regions.err);
    assert.equal(JSON.parse(regions.out).Regions[0].RegionName, 'nova');
    const zones = await ec2('describe-availability-zones');
    assert.deepEqual(
      JSON.parse(zones.out).AvailabilityZones.map((z: { ZoneName: string; State: string }) => [z.ZoneName, z.State]),
      [['nova', 'available']],
    );
    const key = await ec2('create-key-pair', '--key-name', 'k');
    assert.match(JSON.parse(key.out).KeyMaterial, /BEGIN RSA PRIVATE KEY/);
    writeFileSync(join(home, 'id.pub'), `${ed25519PublicKey()}\n`);
    const imported = await ec2('import-key-pair', '--key-name', 'mine', '--public-key-material', `fileb://${join(home, 'id.pub')}`);
    assert.equal(imported.code, 0, imported.err);
    const listed = JSON.parse((await ec2('describe-key-pairs')).out).KeyPairs.map((k: { KeyName: string }) => k.KeyName);
    assert.deepEqual(listed, ['k', 'mine']);
    const missing = await ec2('describe-key-pairs', '--key-names', 'nope');
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /InvalidKeyPair\.NotFound/);
    assert.equal((await ec2('delete-key-pair', '--key-name', 'k')).code, 0);
    const wrongEnv = { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' };
    const wrong = await run('aws', ['--endpoint-url', `${c.ec2Url}/`, 'ec2', 'describe-regions'], { env: wrongEnv }).catch(
      (e: { stderr: string }) => e,
    );
    assert.match((wrong as { stderr: string }).stderr, /AuthFailure/);
  });

  it('s3 mb, cp, ls, rm and rb against nova-objectstore', async (t) => {
    if (!requireExternal(t, 'awscli', awsProblem)) return;
    const file = join(home, 'hello.txt');
    writeFileSync(file, 'hello from awscli\n');
    assert.equal((await s3('mb', 's3://cli-bucket')).code, 0);
    const cp = await s3('cp', file, 's3://cli-bucket/dir/hello.txt');
    assert.equal(cp.code, 0, cp.err);
    assert.match((await s3('ls', 's3://cli-bucket/dir/')).out, /\s18 hello.txt/);
    assert.match((await s3('ls')).out, /cli-bucket/);
    assert.equal((await s3('cp', 's3://cli-bucket/dir/hello.txt', join(home, 'back.txt'))).code, 0);
    assert.equal(readFileSync(join(home, 'back.txt'), 'utf8'), 'hello from awscli\n');
    assert.equal((await s3('rm', 's3://cli-bucket/dir/hello.txt')).code, 0);
    assert.equal((await s3('ls', 's3://cli-bucket')).out.trim(), '');
    assert.equal((await s3('rb', 's3://cli-bucket')).code, 0);
    assert.doesNotMatch((await s3('ls')).out, /cli-bucket/);
  });

  it('a bundle from nova-bundle-image, uploaded with aws s3 cp and registered with aws ec2 register-image, becomes available', async (t) => {
    if (!requireExternal(t, 'awscli', awsProblem)) return;
    const root = await fetch(`${c.cloud.computeUrl}/v2.1/os-certificates/root`, { headers: { 'X-Auth-Token': c.demoToken } });
    writeFileSync(join(home, 'cloud-cert.pem'), ((await root.json()) as { certificate: { data: string } }).certificate.data);
    writeFileSync(join(home, 'disk.img'), randomBytes(64 * 1024));
    const out = join(home, 'bundle');
    mkdirSync(out);
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cmd/nova-bundle-image.ts',
        '-i',
        join(home, 'disk.img'),
        '--ec2cert',
        join(home, 'cloud-cert.pem'),
        '-d',
        out,
        '-p',
        'cli',
        '--part-size',
        '20000',
      ],
      { cwd: ROOT, timeout: 60_000 },
    );
    assert.equal((await s3('mb', 's3://cli-bundles')).code, 0);
    const up = await s3('cp', '--recursive', out, 's3://cli-bundles/');
    assert.equal(up.code, 0, up.err);
    const registered = await ec2('register-image', '--image-location', 'cli-bundles/cli.manifest.xml', '--name', 'from-cli');
    assert.equal(registered.code, 0, registered.err);
    const imageId = JSON.parse(registered.out).ImageId as string;
    assert.match(imageId, /^ami-[0-9a-f]{8}$/);
    await c.cloud.ec2?.bundles.idle();
    const described = JSON.parse((await ec2('describe-images', '--image-ids', imageId)).out).Images[0];
    assert.equal(described.State, 'available');
    assert.equal(described.ImageLocation, 'cli-bundles/cli.manifest.xml');
    const available = JSON.parse((await ec2('describe-images', '--filters', 'Name=state,Values=available')).out).Images;
    assert.ok(available.some((i: { ImageId: string }) => i.ImageId === imageId));
  });

  it('ec2 run-instances boots an image; describe-instances, tags and terminate-instances follow it', async (t) => {
    if (!requireExternal(t, 'awscli', awsProblem)) return;
    const imageUrl = (c.cloud.identity.service.catalog.find((s) => s.type === 'image')?.endpoints[0]?.url ?? '').replace(/\/+$/, '');
    await uploadTinyImage(imageUrl, await c.token('admin'));
    const images = JSON.parse((await ec2('describe-images', '--filters', 'Name=name,Values=bench-tiny')).out).Images;
    const tinyImage = images[0].ImageId as string;
    assert.equal((await ec2('create-key-pair', '--key-name', 'boot')).code, 0);
    const run = await ec2(
      'run-instances',
      '--image-id',
      tinyImage,
      '--instance-type',
      'm1.tiny',
      '--key-name',
      'boot',
      '--count',
      '2',
      '--user-data',
      'echo hello',
    );
    assert.equal(run.code, 0, run.err);
    const reservation = JSON.parse(run.out);
    const ids = reservation.Instances.map((i: { InstanceId: string }) => i.InstanceId) as string[];
    assert.equal(ids.length, 2);
    const end = Date.now() + 60_000;
    let running: { InstanceId: string; State: { Name: string }; KeyName: string; InstanceType: string }[] = [];
    while (running.length < 2) {
      assert.ok(Date.now() < end, `both instances reach running: ${(await ec2('describe-instances')).out}`);
      const listed = await ec2('describe-instances', '--filters', 'Name=instance-state-name,Values=running');
      assert.equal(listed.code, 0, listed.err);
      running = JSON.parse(listed.out).Reservations.flatMap((r: { Instances: unknown[] }) => r.Instances);
      if (running.length < 2) await sleep(100);
    }
    assert.deepEqual(running.map((i) => i.InstanceId).sort(), [...ids].sort());
    assert.ok(running.every((i) => i.KeyName === 'boot' && i.InstanceType === 'm1.tiny'));
    const one = JSON.parse((await ec2('describe-instances', '--instance-ids', ids[0] as string)).out).Reservations;
    assert.equal(one[0].Instances.length, 1);
    const userData = JSON.parse(
      (await ec2('describe-instance-attribute', '--instance-id', ids[0] as string, '--attribute', 'userData')).out,
    );
    assert.equal(Buffer.from(userData.UserData.Value, 'base64').toString(), 'echo hello');

    assert.equal((await ec2('create-tags', '--resources', ids[0] as string, '--tags', 'Key=Name,Value=web')).code, 0);
    const tags = JSON.parse((await ec2('describe-tags', '--filters', 'Name=key,Values=Name')).out).Tags;
    assert.deepEqual(tags, [{ Key: 'Name', ResourceId: ids[0], ResourceType: 'instance', Value: 'web' }]);
    const named = JSON.parse((await ec2('describe-instances', '--filters', 'Name=tag:Name,Values=web')).out).Reservations;
    assert.deepEqual(named[0].Instances[0].Tags, [{ Key: 'Name', Value: 'web' }]);

    const missing = await ec2('describe-instances', '--instance-ids', 'i-0000ffff');
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /InvalidInstanceID\.NotFound/);

    const terminated = await ec2('terminate-instances', '--instance-ids', ...ids);
    assert.equal(terminated.code, 0, terminated.err);
    const states = JSON.parse(terminated.out).TerminatingInstances as { PreviousState: { Name: string } }[];
    assert.deepEqual(
      states.map((s) => s.PreviousState.Name),
      ['running', 'running'],
    );
  });
});
