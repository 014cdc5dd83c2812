import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { PATCH_TYPE, PROJECT_A, PROJECT_B, startTestImageService, type TestImageService } from './harness.js';

// biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected freely
type Json = Record<string, any>;

async function json(r: Response): Promise<Json> {
  return (await r.json()) as Json;
}

async function createImage(s: TestImageService, token: string, body: Json = {}): Promise<Json> {
  const r = await s.call(token, 'POST', '/v2/images', { json: { disk_format: 'qcow2', container_format: 'bare', ...body } });
  assert.equal(r.status, 201, await r.clone().text());
  return json(r);
}

async function upload(s: TestImageService, token: string, id: string, data: Buffer): Promise<Response> {
  return s.call(token, 'PUT', `/v2/images/${id}/file`, { body: data, headers: { 'content-type': 'application/octet-stream' } });
}

function patch(s: TestImageService, token: string, id: string, ops: unknown, type = PATCH_TYPE): Promise<Response> {
  return s.call(token, 'PATCH', `/v2/images/${id}`, { body: JSON.stringify(ops), headers: { 'content-type': type } });
}

async function waitForStatus(s: TestImageService, id: string, status: string): Promise<Json> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const image = await json(await s.call('token-admin', 'GET', `/v2/images/${id}`));
    if (image.status === status || Date.now() > deadline) return image;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('embedded image service', () => {
  let s: TestImageService;
  before(async () => {
    s = await startTestImageService({ sizeCap: 8 * 1024 * 1024 });
  });
  after(async () => {
    await s.close();
  });

  test('answers version discovery with 300 at the root and 200 at /versions', async () => {
    const root = await s.call(null, 'GET', '/');
    assert.equal(root.status, 300);
    const body = await json(root);
    assert.equal(body.versions.find((v: Json) => v.status === 'CURRENT')?.id, 'v2.9');
    assert.equal((await s.call(null, 'GET', '/versions')).status, 200);
  });

  test('rejects a request without a valid token with 401', async () => {
    assert.equal((await s.call(null, 'GET', '/v2/images')).status, 401);
    assert.equal((await s.call('nonsense', 'GET', '/v2/images')).status, 401);
  });

  test('creates an image with Glance keys and custom properties at top level', async () => {
    const image = await createImage(s, 'token-a', { name: 'cirros', min_ram: 64, hw_disk_bus: 'virtio', tags: ['t1'] });
    for (const key of [
      'id',
      'name',
      'status',
      'visibility',
      'protected',
      'os_hidden',
      'checksum',
      'os_hash_algo',
      'os_hash_value',
      'owner',
      'size',
      'virtual_size',
      'min_ram',
      'min_disk',
      'disk_format',
      'container_format',
      'created_at',
      'updated_at',
      'tags',
      'self',
      'file',
      'schema',
    ]) {
      assert.ok(key in image, `missing ${key}`);
    }
    assert.equal(image.status, 'queued');
    assert.equal(image.visibility, 'shared');
    assert.equal(image.owner, PROJECT_A);
    assert.equal(image.hw_disk_bus, 'virtio');
    assert.deepEqual(image.tags, ['t1']);
    assert.equal(image.self, `/v2/images/${image.id}`);
    assert.match(image.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('creates an image under a caller-chosen id and refuses the same id twice with 409', async () => {
    const id = '7b0e6c4a-2f1d-4f3e-9a55-0c5a1f6d2e11';
    const image = await createImage(s, 'token-a', { id });
    assert.equal(image.id, id);
    const again = await s.call('token-a', 'POST', '/v2/images', { json: { id } });
    assert.equal(again.status, 409);
  });

  test('refuses read-only and reserved attributes on create with 403 and bad values with 400', async () => {
    for (const body of [{ size: 5 }, { status: 'active' }, { checksum: 'x' }, { os_hash_value: 'x' }, { location: 'file:///etc/passwd' }]) {
      assert.equal((await s.call('token-a', 'POST', '/v2/images', { json: body })).status, 403, JSON.stringify(body));
    }
    for (const body of [{ disk_format: 'floppy' }, { visibility: 'everyone' }, { min_ram: -1 }, { custom: 5 }, { protected: 'yes' }]) {
      assert.equal((await s.call('token-a', 'POST', '/v2/images', { json: body })).status, 400, JSON.stringify(body));
    }
  });

  test('refuses a public image from a non-admin and accepts it from an admin', async () => {
    assert.equal((await s.call('token-a', 'POST', '/v2/images', { json: { visibility: 'public' } })).status, 403);
    const image = await createImage(s, 'token-admin', { visibility: 'public' });
    assert.equal(image.visibility, 'public');
  });

  test('streams a multi-megabyte upload to disk and back with matching size, md5 and sha512', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 17);
    const image = await createImage(s, 'token-a', { name: 'big' });
    const put = await upload(s, 'token-a', image.id, data);
    assert.equal(put.status, 204);
    const shown = await json(await s.call('token-a', 'GET', `/v2/images/${image.id}`));
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, data.length);
    assert.equal(shown.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(shown.os_hash_algo, 'sha512');
    assert.equal(shown.os_hash_value, createHash('sha512').update(data).digest('hex'));
    const got = await s.call('token-a', 'GET', `/v2/images/${image.id}/file`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-md5'), shown.checksum);
    const back = Buffer.from(await got.arrayBuffer());
    assert.ok(back.equals(data));
    assert.ok((await s.storeFiles()).includes(image.id));
  });

  test('answers 204 for the data of an image that has none and 409 for a second upload', async () => {
    const image = await createImage(s, 'token-a');
    assert.equal((await s.call('token-a', 'GET', `/v2/images/${image.id}/file`)).status, 204);
    assert.equal((await upload(s, 'token-a', image.id, Buffer.from('abc'))).status, 204);
    assert.equal((await upload(s, 'token-a', image.id, Buffer.from('abc'))).status, 409);
  });

  test('refuses image data sent with a JSON content type with 415', async () => {
    const image = await createImage(s, 'token-a');
    const r = await s.call('token-a', 'PUT', `/v2/images/${image.id}/file`, {
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 415);
  });

  test('kills the image and leaves no file behind when the client aborts an upload', async () => {
    const image = await createImage(s, 'token-a', { name: 'aborted' });
    await new Promise<void>((resolve) => {
      const url = new URL(`${s.url}/v2/images/${image.id}/file`);
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: { 'x-auth-token': 'token-a', 'content-type': 'application/octet-stream', 'content-length': String(4 * 1024 * 1024) },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(randomBytes(1024 * 1024), () => setTimeout(() => req.destroy(), 100));
    });
    const final = await waitForStatus(s, image.id, 'killed');
    assert.equal(final.status, 'killed');
    const files = await s.storeFiles();
    assert.ok(!files.some((f) => f.includes(image.id)), `leftover files: ${files.join(', ')}`);
  });

  test('kills the image and leaves no file behind when an upload passes the size cap', async () => {
    const image = await createImage(s, 'token-a', { name: 'too-big' });
    const chunk = randomBytes(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (sent >= 12) controller.close();
        else {
          sent += 1;
          controller.enqueue(chunk);
        }
      },
    });
    const status = await s
      .call('token-a', 'PUT', `/v2/images/${image.id}/file`, { body, headers: { 'content-type': 'application/octet-stream' } })
      .then((r) => r.status)
      .catch(() => null);
    if (status !== null) assert.equal(status, 413);
    const final = await waitForStatus(s, image.id, 'killed');
    assert.equal(final.status, 'killed');
    const files = await s.storeFiles();
    assert.ok(!files.some((f) => f.includes(image.id)), `leftover files: ${files.join(', ')}`);
  });

  test('answers 413 at once for a declared length above the cap', async () => {
    const image = await createImage(s, 'token-a');
    const data = Buffer.alloc(9 * 1024 * 1024);
    const status = await upload(s, 'token-a', image.id, data)
      .then((r) => r.status)
      .catch(() => null);
    if (status !== null) assert.equal(status, 413);
    assert.equal((await waitForStatus(s, image.id, 'killed')).status, 'killed');
  });

  test('patches core and custom properties with add, replace and remove', async () => {
    const image = await createImage(s, 'token-a', { name: 'before', color: 'red', gone: 'x' });
    const r = await patch(s, 'token-a', image.id, [
      { op: 'replace', path: '/name', value: 'after' },
      { op: 'add', path: '/min_disk', value: 3 },
      { op: 'replace', path: '/color', value: 'blue' },
      { op: 'add', path: '/shape', value: 'round' },
      { op: 'remove', path: '/gone' },
      { op: 'add', path: '/tags', value: ['a', 'b'] },
    ]);
    assert.equal(r.status, 200);
    const body = await json(r);
    assert.equal(body.name, 'after');
    assert.equal(body.min_disk, 3);
    assert.equal(body.color, 'blue');
    assert.equal(body.shape, 'round');
    assert.ok(!('gone' in body));
    assert.deepEqual(body.tags, ['a', 'b']);
    const shown = await json(await s.call('token-a', 'GET', `/v2/images/${image.id}`));
    assert.equal(shown.shape, 'round');
    assert.ok(!('gone' in shown));
  });

  test('refuses PATCH of read-only attributes with 403, missing properties with 409 and other media types with 415', async () => {
    const image = await createImage(s, 'token-a');
    for (const path of ['/status', '/size', '/checksum', '/id', '/created_at']) {
      assert.equal((await patch(s, 'token-a', image.id, [{ op: 'replace', path, value: 'x' }])).status, 403, path);
    }
    assert.equal((await patch(s, 'token-a', image.id, [{ op: 'remove', path: '/name' }])).status, 403);
    assert.equal((await patch(s, 'token-a', image.id, [{ op: 'remove', path: '/nothing' }])).status, 409);
    assert.equal((await patch(s, 'token-a', image.id, [{ op: 'replace', path: '/nothing', value: 'v' }])).status, 409);
    assert.equal((await patch(s, 'token-a', image.id, [{ op: 'move', path: '/name', from: '/x' }])).status, 400);
    assert.equal((await patch(s, 'token-a', image.id, [{ op: 'replace', path: '/name', value: 'x' }], 'application/json')).status, 415);
  });

  test('hides a private image from another project (404) and shows a public one', async () => {
    const priv = await createImage(s, 'token-a', { visibility: 'private' });
    assert.equal((await s.call('token-b', 'GET', `/v2/images/${priv.id}`)).status, 404);
    assert.equal((await s.call('token-b', 'DELETE', `/v2/images/${priv.id}`)).status, 404);
    const pub = await createImage(s, 'token-admin', { visibility: 'public', name: 'pub-visible' });
    assert.equal((await s.call('token-b', 'GET', `/v2/images/${pub.id}`)).status, 200);
    assert.equal((await s.call('token-b', 'DELETE', `/v2/images/${pub.id}`)).status, 403);
    const listed = await json(await s.call('token-b', 'GET', '/v2/images?limit=1000'));
    const ids = listed.images.map((i: Json) => i.id);
    assert.ok(ids.includes(pub.id));
    assert.ok(!ids.includes(priv.id));
  });

  test('shares an image through members: pending, accepted, then listed for the member', async () => {
    const image = await createImage(s, 'token-a', { visibility: 'shared', name: 'shared-one' });
    assert.equal((await s.call('token-b', 'GET', `/v2/images/${image.id}`)).status, 404);
    const add = await s.call('token-a', 'POST', `/v2/images/${image.id}/members`, { json: { member: PROJECT_B } });
    assert.equal(add.status, 200);
    const member = await json(add);
    assert.deepEqual(
      { image_id: member.image_id, member_id: member.member_id, status: member.status, schema: member.schema },
      { image_id: image.id, member_id: PROJECT_B, status: 'pending', schema: '/v2/schemas/member' },
    );
    assert.equal((await s.call('token-a', 'POST', `/v2/images/${image.id}/members`, { json: { member: PROJECT_B } })).status, 409);
    assert.equal((await s.call('token-b', 'GET', `/v2/images/${image.id}`)).status, 200);
    const pendingList = await json(await s.call('token-b', 'GET', '/v2/images?limit=1000'));
    assert.ok(!pendingList.images.some((i: Json) => i.id === image.id));
    assert.equal(
      (await s.call('token-a', 'PUT', `/v2/images/${image.id}/members/${PROJECT_B}`, { json: { status: 'accepted' } })).status,
      403,
    );
    const accepted = await s.call('token-b', 'PUT', `/v2/images/${image.id}/members/${PROJECT_B}`, { json: { status: 'accepted' } });
    assert.equal((await json(accepted)).status, 'accepted');
    const list = await json(await s.call('token-b', 'GET', '/v2/images?limit=1000'));
    assert.ok(list.images.some((i: Json) => i.id === image.id));
    const members = await json(await s.call('token-a', 'GET', `/v2/images/${image.id}/members`));
    assert.equal(members.members.length, 1);
    assert.equal(members.schema, '/v2/schemas/members');
    assert.equal((await s.call('token-a', 'DELETE', `/v2/images/${image.id}/members/${PROJECT_B}`)).status, 204);
    assert.equal((await s.call('token-b', 'GET', `/v2/images/${image.id}`)).status, 404);
  });

  test('refuses members on a private image with 403', async () => {
    const image = await createImage(s, 'token-a', { visibility: 'private' });
    assert.equal((await s.call('token-a', 'POST', `/v2/images/${image.id}/members`, { json: { member: PROJECT_B } })).status, 403);
  });

  test('shows community images to everyone but lists them only when asked', async () => {
    const image = await createImage(s, 'token-a', { visibility: 'community', name: 'comm' });
    assert.equal((await s.call('token-b', 'GET', `/v2/images/${image.id}`)).status, 200);
    const plain = await json(await s.call('token-b', 'GET', '/v2/images?limit=1000'));
    assert.ok(!plain.images.some((i: Json) => i.id === image.id));
    const community = await json(await s.call('token-b', 'GET', '/v2/images?visibility=community&limit=1000'));
    assert.ok(community.images.some((i: Json) => i.id === image.id));
  });

  test('deactivates and reactivates as admin only, refusing non-admin downloads while deactivated', async () => {
    const image = await createImage(s, 'token-a');
    await upload(s, 'token-a', image.id, Buffer.from('payload'));
    assert.equal((await s.call('token-a', 'POST', `/v2/images/${image.id}/actions/deactivate`)).status, 403);
    assert.equal((await s.call('token-admin', 'POST', `/v2/images/${image.id}/actions/deactivate`)).status, 204);
    assert.equal((await json(await s.call('token-a', 'GET', `/v2/images/${image.id}`))).status, 'deactivated');
    assert.equal((await s.call('token-a', 'GET', `/v2/images/${image.id}/file`)).status, 403);
    assert.equal((await s.call('token-admin', 'POST', `/v2/images/${image.id}/actions/reactivate`)).status, 204);
    const got = await s.call('token-a', 'GET', `/v2/images/${image.id}/file`);
    assert.equal(await got.text(), 'payload');
    const queued = await createImage(s, 'token-a');
    assert.equal((await s.call('token-admin', 'POST', `/v2/images/${queued.id}/actions/deactivate`)).status, 403);
  });

  test('deletes an image and its data, but refuses a protected one with 403', async () => {
    const image = await createImage(s, 'token-a', { protected: true });
    await upload(s, 'token-a', image.id, Buffer.from('keep'));
    assert.equal((await s.call('token-a', 'DELETE', `/v2/images/${image.id}`)).status, 403);
    assert.equal((await patch(s, 'token-a', image.id, [{ op: 'replace', path: '/protected', value: false }])).status, 200);
    assert.equal((await s.call('token-a', 'DELETE', `/v2/images/${image.id}`)).status, 204);
    assert.equal((await s.call('token-a', 'GET', `/v2/images/${image.id}`)).status, 404);
    assert.ok(!(await s.storeFiles()).includes(image.id));
  });

  test('adds and removes tags', async () => {
    const image = await createImage(s, 'token-a');
    assert.equal((await s.call('token-a', 'PUT', `/v2/images/${image.id}/tags/fast`)).status, 204);
    assert.deepEqual((await json(await s.call('token-a', 'GET', `/v2/images/${image.id}`))).tags, ['fast']);
    assert.equal((await s.call('token-a', 'DELETE', `/v2/images/${image.id}/tags/fast`)).status, 204);
    assert.equal((await s.call('token-a', 'DELETE', `/v2/images/${image.id}/tags/fast`)).status, 404);
  });

  test('publishes the image and images schemas', async () => {
    const image = await json(await s.call('token-a', 'GET', '/v2/schemas/image'));
    assert.equal(image.name, 'image');
    assert.deepEqual(image.additionalProperties, { type: 'string' });
    assert.equal(image.properties.status.readOnly, true);
    assert.ok(image.properties.disk_format.enum.includes('qcow2'));
    const images = await json(await s.call('token-a', 'GET', '/v2/schemas/images'));
    assert.equal(images.name, 'images');
    assert.deepEqual(Object.keys(images.properties).sort(), ['first', 'images', 'next', 'schema']);
  });
});

describe('image listing', () => {
  let s: TestImageService;
  const ids: string[] = [];
  before(async () => {
    s = await startTestImageService();
    const specs = [
      { name: 'alpha', disk_format: 'raw', size: 10, tags: ['x', 'y'], os: 'linux' },
      { name: 'beta', disk_format: 'qcow2', size: 200, tags: ['x'], os: 'linux' },
      { name: 'gamma', disk_format: 'qcow2', size: 3000, tags: [], os: 'bsd' },
      { name: 'delta', disk_format: 'iso', size: 0, tags: ['y'], os: 'bsd' },
    ];
    for (const spec of specs) {
      const image = await createImage(s, 'token-a', {
        name: spec.name,
        disk_format: spec.disk_format,
        tags: spec.tags,
        os_distro: spec.os,
      });
      ids.push(image.id as string);
      if (spec.size > 0) await upload(s, 'token-a', image.id, Buffer.alloc(spec.size, 7));
    }
  });
  after(async () => {
    await s.close();
  });

  async function names(query: string): Promise<string[]> {
    const r = await s.call('token-a', 'GET', `/v2/images${query}`);
    assert.equal(r.status, 200);
    return (await json(r)).images.map((i: Json) => i.name);
  }

  test('lists newest first by default with first and schema links', async () => {
    const body = await json(await s.call('token-a', 'GET', '/v2/images'));
    assert.deepEqual(
      body.images.map((i: Json) => i.name),
      ['delta', 'gamma', 'beta', 'alpha'],
    );
    assert.equal(body.first, '/v2/images');
    assert.equal(body.schema, '/v2/schemas/images');
    assert.ok(!('next' in body));
  });

  test('filters by name, status, disk_format, tag, size range and custom property', async () => {
    assert.deepEqual(await names('?name=beta'), ['beta']);
    assert.deepEqual(await names('?status=queued'), ['delta']);
    assert.deepEqual(await names('?disk_format=qcow2&sort_key=name&sort_dir=asc'), ['beta', 'gamma']);
    assert.deepEqual(await names('?tag=x&tag=y'), ['alpha']);
    assert.deepEqual(await names('?size_min=100&size_max=1000'), ['beta']);
    assert.deepEqual(await names('?os_distro=bsd&sort=name:asc'), ['delta', 'gamma']);
    assert.deepEqual(await names(`?owner=${PROJECT_B}`), []);
  });

  test('sorts by sort_key/sort_dir and by sort=key:dir', async () => {
    assert.deepEqual(await names('?sort_key=name&sort_dir=asc'), ['alpha', 'beta', 'delta', 'gamma']);
    assert.deepEqual(await names('?sort=size:desc,name:asc'), ['gamma', 'beta', 'alpha', 'delta']);
    assert.equal((await s.call('token-a', 'GET', '/v2/images?sort_key=bogus')).status, 400);
    assert.equal((await s.call('token-a', 'GET', '/v2/images?sort=name:up')).status, 400);
  });

  test('pages with limit and marker through next links until the end', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/v2/images?limit=3&sort_key=name&sort_dir=asc';
    let pages = 0;
    while (path) {
      const body = await json(await s.call('token-a', 'GET', path));
      seen.push(...body.images.map((i: Json) => i.name));
      path = body.next;
      pages += 1;
    }
    assert.deepEqual(seen, ['alpha', 'beta', 'delta', 'gamma']);
    assert.equal(pages, 2);
    assert.equal((await s.call('token-a', 'GET', '/v2/images?marker=00000000-0000-0000-0000-000000000000')).status, 400);
    assert.equal((await s.call('token-a', 'GET', '/v2/images?limit=-1')).status, 400);
  });
});
