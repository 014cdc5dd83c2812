import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildMetadataApp, type MetadataApp } from '../../../../src/api/metadata/app.js';
import '../../../../src/cmd/all-opts.js';
import { Config } from '../../../../src/config/config.js';
import { type ForwardTarget, type GuestIdentity, MetadataForwarder } from '../../../../src/virt/qemu/metadata-forwarder.js';
import { source } from '../../metadata/fixtures.js';

const SECRET = 'shared-between-compute-and-metadata';
const MINE = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

/** An HTTP request over the forwarder's unix socket, as the guest's socat makes it. */
function viaSocket(
  socketPath: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the per-guest metadata forwarder in front of the metadata service', () => {
  let dir = '';
  let app: MetadataApp;
  let port = 0;
  const passwords = new Map<string, string>();
  const forwarders: MetadataForwarder[] = [];

  const forwarder = async (name: string, identity: GuestIdentity, target: Partial<ForwardTarget> = {}): Promise<string> => {
    const f = await MetadataForwarder.listen(join(dir, `${name}.sock`), { host: '127.0.0.1', port, secret: SECRET, ...target }, identity);
    forwarders.push(f);
    return f.socketPath;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'md-forwarder-'));
    const conf = Config.load({
      overrides: { DEFAULT: { service_quantum_metadata_proxy: true, quantum_metadata_proxy_shared_secret: SECRET } },
    });
    app = buildMetadataApp({
      conf,
      lookup: {
        instanceUuidForAddress: async () => null,
        source: async (uuid) =>
          uuid === MINE || uuid === OTHER
            ? source({ uuid, projectId: uuid === MINE ? 'p-mine' : 'p-other', hostname: uuid === MINE ? 'mine' : 'other' })
            : null,
        setPasswordFromGuest: async (uuid, password) => {
          passwords.set(uuid, password);
        },
      },
    });
    await app.app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.app.server.address() as { port: number }).port;
  });
  after(async () => {
    for (const f of forwarders) await f.close();
    await app.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the guest with its own metadata: the forwarder signs for it', async () => {
    const sock = await forwarder('mine', { instanceUuid: MINE, tenantId: 'p-mine', address: '10.0.0.3' });
    const reply = await viaSocket(sock, '/openstack/latest/meta_data.json');
    assert.equal(reply.status, 200, reply.text);
    assert.equal(JSON.parse(reply.text).uuid, MINE);
    assert.equal((await viaSocket(sock, '/latest/meta-data/local-ipv4')).text, '10.0.0.3');
  });

  it('never lets a guest ask as another instance, whatever headers it sends', async () => {
    const sock = await forwarder('spoof', { instanceUuid: MINE, tenantId: 'p-mine', address: '10.0.0.3' });
    const reply = await viaSocket(sock, '/openstack/latest/meta_data.json', {
      headers: {
        'X-Instance-ID': OTHER,
        'X-Tenant-ID': 'p-other',
        'X-Instance-ID-Signature': 'forged',
        'X-Forwarded-For': '10.0.0.99',
      },
    });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(JSON.parse(reply.text).uuid, MINE);
    assert.equal((await viaSocket(sock, '/latest/meta-data/local-ipv4', { headers: { 'X-Forwarded-For': '10.0.0.99' } })).text, '10.0.0.3');
  });

  it('passes a POSTed password through, with its body, as the guest’s own', async () => {
    const sock = await forwarder('password', { instanceUuid: MINE, tenantId: 'p-mine', address: null });
    const reply = await viaSocket(sock, '/openstack/latest/password', { method: 'POST', body: 'encrypted-by-the-guest' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(passwords.get(MINE), 'encrypted-by-the-guest');
  });

  it('is refused by the service when it signs with another secret (403), and answers 502 when the service is down', async () => {
    const wrong = await forwarder('wrong', { instanceUuid: MINE, tenantId: 'p-mine', address: null }, { secret: 'not-the-secret' });
    assert.equal((await viaSocket(wrong, '/openstack/latest/meta_data.json')).status, 403);
    const down = await forwarder('down', { instanceUuid: MINE, tenantId: 'p-mine', address: null }, { port: 1 });
    assert.equal((await viaSocket(down, '/latest/meta-data/')).status, 502);
  });

  it('removes its socket when closed', async () => {
    const f = await MetadataForwarder.listen(
      join(dir, 'closing.sock'),
      { host: '127.0.0.1', port, secret: SECRET },
      {
        instanceUuid: MINE,
        tenantId: 'p-mine',
        address: null,
      },
    );
    await f.close();
    await assert.rejects(viaSocket(f.socketPath, '/'), /ENOENT|ECONNREFUSED/);
  });
});
