import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ImageNotFound } from '../../../src/common/errors.js';
import { ImageNotAuthorized, ImageServiceUnavailable } from '../../../src/image/errors.js';
import { GlanceImageService } from '../../../src/image/glance-client.js';
import { PROJECT_A, startTestImageService, type TestImageService, TOKENS } from './harness.js';

const ctxA = (TOKENS['token-a'] ?? assert.fail()).with({ authToken: 'token-a' });
const ctxB = (TOKENS['token-b'] ?? assert.fail()).with({ authToken: 'token-b' });

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('ImageService against the embedded image service', () => {
  let s: TestImageService;
  let images: GlanceImageService;
  before(async () => {
    s = await startTestImageService();
    // The host:port form Grizzly's glance_api_servers used.
    images = new GlanceImageService({ apiServers: [s.url.replace('http://', '')] });
  });
  after(async () => {
    await s.close();
  });

  test("creates an image with data and shows it in Nova's image dict shape", async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const created = await images.create(
      ctxA,
      {
        name: 'nova-made',
        disk_format: 'raw',
        container_format: 'bare',
        is_public: false,
        properties: { kernel_id: 'k1', instance_uuid: 'u1' },
      },
      Readable.from([data]),
    );
    assert.equal(created.status, 'active');
    assert.equal(created.size, data.length);
    assert.equal(created.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(created.is_public, false);
    assert.equal(created.owner, PROJECT_A);
    assert.equal(created.deleted, false);
    assert.deepEqual(created.properties, { kernel_id: 'k1', instance_uuid: 'u1' });
    assert.ok(created.created_at instanceof Date);
    const shown = await images.show(ctxA, created.id);
    assert.deepEqual(shown, created);
    const back = await collect(await images.download(ctxA, created.id));
    assert.ok(back.equals(data));
  });

  test('lists with filters, following next links when no limit is given', async () => {
    for (let i = 0; i < 30; i++) await images.create(ctxA, { name: `bulk-${i}`, properties: { batch: 'yes' } });
    const all = await images.detail(ctxA, { 'property-batch': 'yes' });
    assert.equal(all.length, 30);
    const page = await images.detail(ctxA, { 'property-batch': 'yes', limit: 5 });
    assert.equal(page.length, 5);
    const named = await images.detail(ctxA, { name: 'bulk-7' });
    assert.deepEqual(
      named.map((i) => i.name),
      ['bulk-7'],
    );
  });

  test('updates name and properties, purging the ones not named', async () => {
    const image = await images.create(ctxA, { name: 'old', properties: { a: '1', b: '2' } });
    const updated = await images.update(ctxA, image.id, { name: 'new', properties: { a: '10', c: '3' } });
    assert.equal(updated.name, 'new');
    assert.deepEqual(updated.properties, { a: '10', c: '3' });
    const kept = await images.update(ctxA, image.id, { properties: { d: '4' } }, { purgeProps: false });
    assert.deepEqual(kept.properties, { a: '10', c: '3', d: '4' });
  });

  test('translates 404 into ImageNotFound and 403 into ImageNotAuthorized', async () => {
    await assert.rejects(images.show(ctxA, '00000000-0000-0000-0000-000000000000'), ImageNotFound);
    const privateImage = await images.create(ctxA, { name: 'mine', visibility: 'private' });
    await assert.rejects(images.show(ctxB, privateImage.id), ImageNotFound);
    const shared = await images.create(ctxA, { name: 'theirs' });
    const adminCtx = (TOKENS['token-admin'] ?? assert.fail()).with({ authToken: 'token-admin' });
    const pub = await images.create(adminCtx, { name: 'pub', is_public: true });
    await assert.rejects(images.delete(ctxB, pub.id), ImageNotAuthorized);
    await images.delete(ctxA, shared.id);
    await assert.rejects(images.show(ctxA, shared.id), ImageNotFound);
  });

  test('reports an unreachable image service as ImageServiceUnavailable after retries', async () => {
    const dead = new GlanceImageService({ apiServers: ['http://127.0.0.1:1'], numRetries: 2, timeoutMs: 2000 });
    await assert.rejects(dead.show(ctxA, 'x'), ImageServiceUnavailable);
  });
});
