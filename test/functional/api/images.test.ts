import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { imagesResource } from '../../../src/api/openstack/compute/images.js';
import { GlanceImageService } from '../../../src/image/glance-client.js';
import { noauthContext, startTestImageService, type TestImageService } from '../image/harness.js';
import { type ComputeHarness, startComputeHarness } from './compute-harness.js';

const USER = 'alice:proj-a';
const OTHER = 'bob:proj-b';
const ADMIN = 'admin:proj-admin';

describe('compute API image proxy', () => {
  let glance: TestImageService;
  let api: ComputeHarness;
  let imageId: string;
  let snapshotId: string;
  const serverUuid = '5f1e4c9e-8a8a-4c1e-9d7e-2a6b3f1e0c11';

  before(async () => {
    glance = await startTestImageService({ authenticate: noauthContext });
    api = await startComputeHarness({
      overrides: { DEFAULT: { quota_metadata_items: 3 } },
      resources: (s) => [
        imagesResource({
          conf: s.conf,
          images: new GlanceImageService({ apiServers: [glance.url] }),
          quota: s.quota,
          imageEndpoint: glance.url,
        }),
      ],
    });
    const created = await glance.call(USER, 'POST', '/v2/images', {
      json: { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', min_ram: 64, auto_disk_config: 'True', os_distro: 'cirros' },
    });
    imageId = ((await created.json()) as { id: string }).id;
    await glance.call(USER, 'PUT', `/v2/images/${imageId}/file`, {
      body: Buffer.alloc(4096, 1),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const snap = await glance.call(USER, 'POST', '/v2/images', {
      json: { name: 'snap', instance_uuid: serverUuid, image_type: 'snapshot' },
    });
    snapshotId = ((await snap.json()) as { id: string }).id;
  });
  after(async () => {
    await api.close();
    await glance.close();
  });

  test('DELETE with a blank image id is 404, as in Nova', async () => {
    const res = await api.call('DELETE', '/v2.1/images/', USER);
    assert.equal(res.status, 404);
    assert.equal(res.json.itemNotFound.code, 404);
  });

  test('lists images as id, name and links', async () => {
    const r = await api.call('GET', '/v2.1/images', USER);
    assert.equal(r.status, 200);
    const mine = r.json.images.find((i: { id: string }) => i.id === imageId);
    assert.deepEqual(Object.keys(mine).sort(), ['id', 'links', 'name']);
    assert.equal(mine.links[0].rel, 'self');
    assert.match(mine.links[0].href, new RegExp(`/v2.1/images/${imageId}$`));
  });

  test('shows an image in the compute shape with status, progress, metadata and links', async () => {
    const r = await api.call('GET', `/v2.1/images/${imageId}`, USER);
    assert.equal(r.status, 200);
    const image = r.json.image;
    assert.equal(image.status, 'ACTIVE');
    assert.equal(image.progress, 100);
    assert.equal(image.minRam, 64);
    assert.equal(image.minDisk, 0);
    assert.equal(image.metadata.os_distro, 'cirros');
    assert.equal(image['OS-EXT-IMG-SIZE:size'], 4096);
    assert.equal(image['OS-DCF:diskConfig'], 'AUTO');
    assert.match(image.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(
      image.links.map((l: { rel: string }) => l.rel),
      ['self', 'bookmark', 'alternate'],
    );
    assert.equal(image.links[2].href, `${glance.url}/proj-a/images/${imageId}`);
    assert.ok(!('server' in image));
  });

  test('maps a queued snapshot to SAVING and names its server', async () => {
    const image = (await api.call('GET', `/v2.1/images/${snapshotId}`, USER)).json.image;
    assert.equal(image.status, 'SAVING');
    assert.equal(image.progress, 25);
    assert.equal(image.server.id, serverUuid);
  });

  test('filters the detail list by server, type and status', async () => {
    const byServer = await api.call('GET', `/v2.1/images/detail?server=http://x/servers/${serverUuid}`, USER);
    assert.deepEqual(
      byServer.json.images.map((i: { id: string }) => i.id),
      [snapshotId],
    );
    const byType = await api.call('GET', '/v2.1/images/detail?type=snapshot', USER);
    assert.deepEqual(
      byType.json.images.map((i: { id: string }) => i.id),
      [snapshotId],
    );
    const active = await api.call('GET', '/v2.1/images/detail?status=ACTIVE', USER);
    assert.deepEqual(
      active.json.images.map((i: { id: string }) => i.id),
      [imageId],
    );
  });

  test('pages with limit and an images_links next link', async () => {
    const r = await api.call('GET', '/v2.1/images?limit=1', USER);
    assert.equal(r.json.images.length, 1);
    assert.equal(r.json.images_links[0].rel, 'next');
    assert.match(r.json.images_links[0].href, /marker=/);
    const next = await api.call('GET', `/v2.1/images?limit=1&marker=${r.json.images[0].id}`, USER);
    assert.equal(next.json.images.length, 1);
    assert.notEqual(next.json.images[0].id, r.json.images[0].id);
  });

  test('answers 404 for an image another project may not see', async () => {
    const r = await api.call('GET', `/v2.1/images/${imageId}`, OTHER);
    assert.equal(r.status, 404);
    assert.equal(r.json.itemNotFound.message, 'Image not found.');
  });

  test('reads, merges, replaces and deletes image metadata', async () => {
    const base = `/v2.1/images/${snapshotId}/metadata`;
    assert.equal((await api.call('GET', base, USER)).json.metadata.image_type, 'snapshot');
    const merged = await api.call('POST', base, USER, { metadata: { color: 'red' } });
    assert.equal(merged.status, 200);
    assert.deepEqual(merged.json.metadata, { instance_uuid: serverUuid, image_type: 'snapshot', color: 'red' });
    const replaced = await api.call('PUT', base, USER, { metadata: { only: 'this' } });
    assert.deepEqual(replaced.json.metadata, { only: 'this' });
    const item = await api.call('PUT', `${base}/shape`, USER, { meta: { shape: 'round' } });
    assert.deepEqual(item.json, { meta: { shape: 'round' } });
    assert.deepEqual((await api.call('GET', `${base}/shape`, USER)).json, { meta: { shape: 'round' } });
    assert.equal((await api.call('PUT', `${base}/shape`, USER, { meta: { other: 'x' } })).status, 400);
    assert.equal((await api.call('DELETE', `${base}/shape`, USER)).status, 204);
    assert.equal((await api.call('GET', `${base}/shape`, USER)).status, 404);
    assert.equal((await api.call('DELETE', `${base}/shape`, USER)).status, 404);
  });

  test('refuses metadata beyond the metadata_items quota with 403', async () => {
    const r = await api.call('PUT', `/v2.1/images/${snapshotId}/metadata`, USER, { metadata: { a: '1', b: '2', c: '3', d: '4' } });
    assert.equal(r.status, 403);
  });

  test("deletes an image with 204 and refuses another project's public image with 403", async () => {
    const pub = await glance.call(ADMIN, 'POST', '/v2/images', { json: { name: 'public', visibility: 'public' } });
    const pubId = ((await pub.json()) as { id: string }).id;
    assert.equal((await api.call('DELETE', `/v2.1/images/${pubId}`, USER)).status, 403);
    assert.equal((await api.call('DELETE', `/v2.1/images/${pubId}`, ADMIN)).status, 204);
    assert.equal((await api.call('GET', `/v2.1/images/${pubId}`, ADMIN)).status, 404);
  });

  test('serves the same proxy under the legacy /v2/{project_id} root', async () => {
    const r = await api.call('GET', `/v2/proj-a/images/${imageId}`, USER);
    assert.equal(r.status, 200);
    assert.match(r.json.image.links[0].href, new RegExp(`/v2/proj-a/images/${imageId}$`));
  });
});
