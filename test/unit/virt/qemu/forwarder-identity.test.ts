import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GuestSpec } from '../../../../src/virt/guest-spec.js';
import { makeFixedIp, makeNetwork, makeSubnet, makeVif, type NetworkInfo } from '../../../../src/virt/network-model.js';
import { makeQemuDriver } from '../../../integration/virt/qemu-harness.js';

const UUID = '33333333-3333-4333-8333-333333333333';

function nw(address: string): NetworkInfo {
  return [
    makeVif({
      id: 'vif-1',
      address: 'fa:16:3e:00:00:33',
      network: makeNetwork({ id: 'net-1', label: 'private', subnets: [makeSubnet({ cidr: '10.0.0.0/24', ips: [makeFixedIp(address)] })] }),
    }),
  ];
}

/** What the upstream saw of one request sent through a forwarder socket. */
function through(socketPath: string, seen: IncomingHttpHeaders[]): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/latest/meta-data/local-ipv4' }, (res) => {
      res.resume();
      res.on('end', () => resolve(seen[seen.length - 1] as IncomingHttpHeaders));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the QEMU driver’s metadata forwarder follows the guest', () => {
  let dir = '';
  let upstream: Server;
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qemu-fwd-'));
    upstream = createServer((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await new Promise((r) => upstream.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens for a guest it finds on disk, signs for it, and reports its new fixed IP after plugVifs', async () => {
    // A guest this host owns, not running: what a restarted nova-compute finds in guest.json.
    const spec: GuestSpec = {
      uuid: UUID,
      name: 'instance-00000033',
      host: 'fwd-host',
      memoryMb: 64,
      vcpus: 1,
      imageRef: null,
      disks: [],
      kernel: null,
      nics: [{ vifId: 'vif-1', mac: 'fa:16:3e:00:00:33', mode: 'user', bridge: null, tap: null }],
      rescued: false,
      projectId: 'p-33',
      fixedIp: '10.0.0.3',
    };
    mkdirSync(join(dir, UUID), { recursive: true });
    writeFileSync(join(dir, UUID, 'guest.json'), JSON.stringify(spec));
    const port = (upstream.address() as { port: number }).port;
    const driver = makeQemuDriver(dir, { host: 'fwd-host', metadataForward: `127.0.0.1:${port}`, metadataSecret: 'k' });
    try {
      const instance = { uuid: UUID, name: spec.name, memory_mb: 64, vcpus: 1, root_gb: 0, ephemeral_gb: 0, project_id: 'p-33' };
      await driver.initHost('fwd-host');
      const guest = driver.host.guests.get(UUID);
      assert.ok(guest);
      const socket = await driver.host.ensureForwarder(guest);
      assert.ok(socket);
      const first = await through(socket, seen);
      assert.equal(first['x-instance-id'], UUID);
      assert.equal(first['x-tenant-id'], 'p-33');
      assert.equal(first['x-forwarded-for'], '10.0.0.3');
      assert.match(String(first['x-instance-id-signature']), /^[0-9a-f]{64}$/);

      await driver.plugVifs(instance, nw('10.0.0.7'));
      assert.equal((await through(socket, seen))['x-forwarded-for'], '10.0.0.7', 'the same socket, the new address');

      await driver.cleanupHost('fwd-host');
      await assert.rejects(through(socket, seen), /ENOENT|ECONNREFUSED/, 'a stopping nova-compute stops listening');
    } finally {
      driver.detach();
    }
  });
});
