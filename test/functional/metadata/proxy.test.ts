import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type MetadataCloud, startMetadataCloud } from './harness.js';

const SECRET = 'shared-with-the-proxy';
const sign = (id: string, secret = SECRET) => createHmac('sha256', secret).update(id).digest('hex');

describe('behind a network proxy that signs X-Instance-ID (service_quantum_metadata_proxy)', () => {
  let c: MetadataCloud;
  let s: { id: string; ip: string };

  before(async () => {
    c = await startMetadataCloud({
      service_quantum_metadata_proxy: true,
      quantum_metadata_proxy_shared_secret: SECRET,
      use_forwarded_for: false,
    });
    s = await c.boot('u1:p1', { name: 'behind-proxy', metadata: { k: 'v' } });
  });
  after(() => c.close());

  const proxied = (headers: Record<string, string>, path = '/openstack/latest/meta_data.json') => c.md(path, { headers });

  it('answers for the instance a good signature names, with the forwarded address as local-ipv4', async () => {
    const headers = { 'X-Instance-ID': s.id, 'X-Tenant-ID': 'p1', 'X-Instance-ID-Signature': sign(s.id), 'X-Forwarded-For': '10.9.8.7' };
    const doc = JSON.parse((await proxied(headers)).text);
    assert.equal(doc.uuid, s.id);
    assert.deepEqual(doc.meta, { k: 'v' });
    assert.equal((await proxied(headers, '/latest/meta-data/local-ipv4')).text, '10.9.8.7');
  });

  it('refuses a wrong or missing signature with 403', async () => {
    for (const signature of [sign(s.id, 'other-secret'), sign('other-id'), sign(s.id).toUpperCase(), '']) {
      const reply = await proxied({ 'X-Instance-ID': s.id, 'X-Tenant-ID': 'p1', 'X-Instance-ID-Signature': signature });
      assert.equal(reply.status, 403, signature);
      assert.match(reply.text, /Invalid proxy request signature/);
    }
    assert.equal((await proxied({ 'X-Instance-ID': s.id, 'X-Tenant-ID': 'p1' })).status, 403);
  });

  it('refuses a missing X-Instance-ID or X-Tenant-ID with 400, also when the caller is a fixed IP', async () => {
    assert.equal((await proxied({ 'X-Tenant-ID': 'p1', 'X-Instance-ID-Signature': sign(s.id) })).status, 400);
    assert.equal((await proxied({ 'X-Instance-ID': s.id, 'X-Instance-ID-Signature': sign(s.id) })).status, 400);
    assert.equal((await c.md('/latest/meta-data/instance-id', { from: s.ip })).status, 400);
  });

  it('refuses a repeated X-Instance-ID with 400', async () => {
    const url = new URL(`${c.metadataUrl}/latest/meta-data/instance-id`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          headers: { 'X-Instance-ID': [s.id, s.id], 'X-Tenant-ID': 'p1', 'X-Instance-ID-Signature': sign(s.id) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 400);
  });

  it('answers 404 when the tenant is not the instance’s project, or the instance does not exist', async () => {
    assert.equal((await proxied({ 'X-Instance-ID': s.id, 'X-Tenant-ID': 'p2', 'X-Instance-ID-Signature': sign(s.id) })).status, 404);
    const ghost = '00000000-0000-4000-8000-000000000000';
    assert.equal((await proxied({ 'X-Instance-ID': ghost, 'X-Tenant-ID': 'p1', 'X-Instance-ID-Signature': sign(ghost) })).status, 404);
  });

  it('still lists the versions at / without any header', async () => {
    assert.equal((await c.md('/')).status, 200);
  });
});
