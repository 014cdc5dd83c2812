import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { constants, createCipheriv, createHash, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { CertAPI } from '../../../src/cert/rpcapi.js';
import { TAR_END, tarFileHeader, tarPadding } from '../../../src/common/tar.js';
import { RequestContext } from '../../../src/context/context.js';
import { bundleImage } from '../../../src/image/bundle.js';
import { buildBundleManifest } from '../../../src/image/bundle-manifest.js';
import { GlanceImageService, type ImageService } from '../../../src/image/glance-client.js';
import { S3ImageRegistrar } from '../../../src/image/s3.js';
import { ObjectStoreClient } from '../../../src/image/s3-client.js';
import { Ec2Client, S3Client } from '../../support/aws-client.js';
import { probe, requireExternal } from '../../support/externals.js';
import { type Ec2Cloud, startEc2Cloud } from './harness.js';

const run = promisify(execFile);
const opensslProblem = await probe(() => run('openssl', ['version']));

// biome-ignore lint/suspicious/noExplicitAny: parsed XML is inspected freely
const parse = (text: string): any => new XMLParser({ parseTagValue: false, isArray: (n) => n === 'item' }).parse(text);

interface Certs {
  root: string;
  cert: string;
  key: string;
}

function imageEndpoint(c: Ec2Cloud): string {
  const s = c.cloud.identity.service.catalog.find((x) => x.type === 'image');
  return (s?.endpoints.find((e) => e.interface === 'public')?.url ?? '').replace(/\/+$/, '');
}

async function compute(
  c: Ec2Cloud,
  method: string,
  path: string,
): Promise<{ status: number; json: { certificate: { data: string; private_key: string | null } } }> {
  const res = await fetch(`${c.cloud.computeUrl}/v2.1${path}`, { method, headers: { 'X-Auth-Token': c.demoToken } });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** A bundle whose encrypted payload is exactly `payload` (for archives that are wrong on purpose). */
function rawBundle(dir: string, prefix: string, payload: Buffer, root: string): void {
  const key = randomBytes(16).toString('hex');
  const iv = randomBytes(16).toString('hex');
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'));
  const encrypted = Buffer.concat([cipher.update(gzipSync(payload)), cipher.final()]);
  const wrap = (text: string) => publicEncrypt({ key: root, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(text)).toString('hex');
  writeFileSync(join(dir, `${prefix}.part.00`), encrypted);
  const manifest = buildBundleManifest(
    {
      name: prefix,
      user: 'u',
      type: 'ami',
      architecture: 'x86_64',
      mappings: [],
      sha1: createHash('sha1').update(payload).digest('hex'),
      size: payload.length,
      bundledSize: encrypted.length,
      ec2EncryptedKey: wrap(key),
      ec2EncryptedIv: wrap(iv),
      parts: [{ filename: `${prefix}.part.00`, sha1: createHash('sha1').update(encrypted).digest('hex') }],
    },
    null,
  );
  writeFileSync(join(dir, `${prefix}.manifest.xml`), manifest);
}

describe('registering images from S3 bundles', () => {
  let c: Ec2Cloud;
  let ec2: Ec2Client;
  let s3: S3Client;
  let work: string;
  let certs: Certs;

  before(async () => {
    c = await startEc2Cloud();
    ec2 = new Ec2Client(c.ec2Url, c.demo);
    s3 = new S3Client(c.s3Url, c.demo);
    work = mkdtempSync(join(tmpdir(), 'nova-bundles-'));
    const root = await compute(c, 'GET', '/os-certificates/root');
    const created = await compute(c, 'POST', '/os-certificates');
    certs = { root: root.json.certificate.data, cert: created.json.certificate.data, key: created.json.certificate.private_key as string };
    assert.equal((await s3.call('PUT', '/bundles')).status, 200);
  });
  after(async () => {
    await c.stop();
  });

  async function upload(prefix: string, skip: (name: string) => boolean = () => false): Promise<void> {
    for (const name of readdirSync(work).filter((n) => n.startsWith(`${prefix}.`))) {
      if (skip(name)) continue;
      const r = await s3.call('PUT', `/bundles/${name}`, { body: readFileSync(join(work, name)) });
      assert.equal(r.status, 200, r.text);
    }
  }

  async function register(prefix: string): Promise<{ imageId: string; state: string }> {
    const r = await ec2.call('RegisterImage', { ImageLocation: `bundles/${prefix}.manifest.xml`, Name: prefix });
    assert.equal(r.status, 200, r.text);
    const imageId = parse(r.text).RegisterImageResponse.imageId as string;
    await c.cloud.ec2?.bundles.idle();
    const described = parse((await ec2.call('DescribeImages', { 'ImageId.1': imageId })).text);
    return { imageId, state: described.DescribeImagesResponse.imagesSet.item[0].imageState };
  }

  it('os-certificates gives a certificate that openssl verify accepts against the root it returns', async (t) => {
    assert.match(certs.key, /BEGIN RSA PRIVATE KEY/);
    const other = await compute(c, 'GET', '/os-certificates/mine');
    assert.equal(other.status, 501);
    if (!requireExternal(t, 'openssl', opensslProblem)) return;
    writeFileSync(join(work, 'root.pem'), certs.root);
    writeFileSync(join(work, 'cert.pem'), certs.cert);
    const { stdout } = await run('openssl', ['verify', '-CAfile', join(work, 'root.pem'), join(work, 'cert.pem')]);
    assert.match(stdout, /cert.pem: OK/);
  });

  it('a bundle made by nova-bundle-image becomes available with the original bytes', async () => {
    const image = join(work, 'disk.img');
    const data = randomBytes(300 * 1024);
    writeFileSync(image, data);
    const bundle = await bundleImage({
      image,
      destination: work,
      prefix: 'good',
      ec2Cert: certs.root,
      userCert: certs.cert,
      userKey: certs.key,
      user: 'demo',
      partSize: 100 * 1024,
    });
    assert.ok(bundle.parts.length >= 3, `parts: ${bundle.parts.map((p) => basename(p)).join(',')}`);
    await upload('good');
    const registered = await register('good');
    assert.match(registered.imageId, /^ami-/);
    assert.equal(registered.state, 'available');
    const described = parse((await ec2.call('DescribeImages', { 'ImageId.1': registered.imageId })).text).DescribeImagesResponse.imagesSet
      .item[0];
    assert.equal(described.imageLocation, 'bundles/good.manifest.xml');
    assert.equal(described.architecture, 'x86_64');
    const glance = GlanceImageService.fromConfig(c.cloud.runtime.conf, imageEndpoint(c));
    const ctx = new RequestContext({
      userId: c.cloud.bootstrap.demo.userId,
      projectId: c.cloud.bootstrap.demo.projectId,
      authToken: c.demoToken,
    });
    const [img] = await glance.detail(ctx, { name: 'good' });
    assert.equal(img?.status, 'active');
    const chunks: Buffer[] = [];
    for await (const chunk of await glance.download(ctx, img?.id ?? '')) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(data));
    assert.deepEqual(readdirSync(join(c.stateDir, 'decrypt')), [], 'the work directory is removed');
  });

  it('a missing part ends in failed_download', async () => {
    const image = join(work, 'short.img');
    writeFileSync(image, randomBytes(150 * 1024));
    await bundleImage({ image, destination: work, prefix: 'short', ec2Cert: certs.root, user: 'demo', partSize: 100 * 1024 });
    await upload('short', (name) => name.endsWith('.part.01'));
    assert.equal((await register('short')).state, 'failed_download');
  });

  it('a part that does not match its digest ends in failed_download', async () => {
    const image = join(work, 'tampered.img');
    writeFileSync(image, randomBytes(50 * 1024));
    await bundleImage({ image, destination: work, prefix: 'tampered', ec2Cert: certs.root, user: 'demo' });
    const part = join(work, 'tampered.part.00');
    const bytes = readFileSync(part);
    bytes[10] = (bytes[10] as number) ^ 0xff;
    writeFileSync(part, bytes);
    await upload('tampered');
    assert.equal((await register('tampered')).state, 'failed_download');
  });

  it('a bundle encrypted for another certificate ends in failed_decrypt', async () => {
    const image = join(work, 'foreign.img');
    writeFileSync(image, randomBytes(10 * 1024));
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    await bundleImage({ image, destination: work, prefix: 'foreign', ec2Cert: stranger, user: 'demo' });
    await upload('foreign');
    assert.equal((await register('foreign')).state, 'failed_decrypt');
  });

  it('an archive that is not tar, or whose member would escape, ends in failed_untar', async () => {
    rawBundle(work, 'nottar', randomBytes(4096), certs.root);
    await upload('nottar');
    assert.equal((await register('nottar')).state, 'failed_untar');
    const evil = Buffer.from('owned');
    rawBundle(
      work,
      'escape',
      Buffer.concat([tarFileHeader('../../evil', evil.length, new Date()), evil, tarPadding(evil.length), TAR_END]),
      certs.root,
    );
    await upload('escape');
    assert.equal((await register('escape')).state, 'failed_untar');
    assert.ok(!readdirSync(c.stateDir).includes('evil'));
  });

  it('a failed upload to the image service ends in failed_upload', async () => {
    const image = join(work, 'upload.img');
    writeFileSync(image, randomBytes(20 * 1024));
    await bundleImage({ image, destination: work, prefix: 'upload', ec2Cert: certs.root, user: 'demo' });
    await upload('upload');
    const glance = GlanceImageService.fromConfig(c.cloud.runtime.conf, imageEndpoint(c));
    const failing: ImageService = {
      show: (ctx, id) => glance.show(ctx, id),
      detail: (ctx, filters) => glance.detail(ctx, filters),
      create: (ctx, meta, data) => glance.create(ctx, meta, data),
      delete: (ctx, id) => glance.delete(ctx, id),
      download: (ctx, id) => glance.download(ctx, id),
      update: (ctx, id, meta, options = {}) => {
        if (options.data) return Promise.reject(new Error('the image store is full'));
        return glance.update(ctx, id, meta, options);
      },
    };
    const cert = new CertAPI(c.cloud.runtime.transport);
    const registrar = new S3ImageRegistrar({
      images: failing,
      objects: new ObjectStoreClient(c.s3Url),
      decryptText: (ctx, project, text) => cert.decryptText(ctx, project, text),
      resolveImageId: () => Promise.reject(new Error('no kernel here')),
      decryptionDir: join(work, 'decrypt'),
    });
    const ctx = new RequestContext({
      userId: c.cloud.bootstrap.demo.userId,
      projectId: c.cloud.bootstrap.demo.projectId,
      authToken: c.demoToken,
    });
    const created = await registrar.register(ctx, { location: 'bundles/upload.manifest.xml', name: 'upload' });
    assert.equal(created.properties.image_state, 'pending');
    await registrar.idle();
    assert.equal((await glance.show(ctx, created.id)).properties.image_state, 'failed_upload');
  });
});
