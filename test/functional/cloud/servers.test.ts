/**
 * A server's whole life through the real services, driven over HTTP: the compute API, the
 * filter scheduler, the compute manager with the fake driver and the nova-network manager,
 * on each backend of the whole-cloud harness.
 */
import assert from 'node:assert/strict';
import { fixedIpGetByAddress } from '../../../src/db/api/fixed-ips.js';
import { serviceGetAll } from '../../../src/db/api/services.js';
import { forEachCloudBackend } from '../cloud-harness.js';

interface Address {
  addr: string;
  version: number;
}

interface ServerView {
  id: string;
  status: string;
  hostId: string;
  adminPass?: string;
  addresses: Record<string, Address[]>;
  fault?: unknown;
  [extension: string]: unknown;
}

/** Whether an IPv4 address lies in a CIDR block. */
function inCidr(address: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(address) / size) === Math.floor(toInt(base) / size);
}

forEachCloudBackend('the whole cloud over HTTP', async (t, c) => {
  let serverId = '';
  let address = '';

  await t.test('every service runs on the database and bus of the backend', async () => {
    assert.equal(c.db.url, c.backend.databaseUrl ?? c.db.url);
    assert.equal(c.db.dialect, c.backend.databaseUrl?.startsWith('postgresql') ? 'postgres' : 'sqlite');
    assert.equal(
      c.cloud.runtime.transport.constructor.name,
      c.backend.transportUrl.startsWith('rabbit') ? 'AmqpTransport' : 'LocalTransport',
    );
    const rows = await serviceGetAll(c.db, null);
    assert.deepEqual(rows.map((r) => r.binary).sort(), [
      'nova-cert',
      'nova-compute',
      'nova-conductor',
      'nova-consoleauth',
      'nova-network',
      'nova-scheduler',
    ]);
  });

  await t.test('POST /servers goes to ACTIVE through the scheduler, the compute manager and the network manager', async () => {
    const posted = await c.call<{ server: ServerView }>('POST', `${c.computeUrl}/servers`, c.demoToken, {
      server: { name: 'seam-1', imageRef: c.imageId, flavorRef: '1' },
    });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    serverId = posted.body.server.id;
    assert.ok(posted.body.server.adminPass, 'the 202 carries the generated admin password');

    const built = await c.notification(serverId, ['compute.instance.create.end', 'compute.instance.create.error']);
    assert.equal(built.event_type, 'compute.instance.create.end', JSON.stringify(built.payload));

    const shown = await c.call<{ server: ServerView }>('GET', `${c.computeUrl}/servers/${serverId}`, c.demoToken);
    assert.equal(shown.status, 200);
    const server = shown.body.server;
    assert.equal(server.status, 'ACTIVE', JSON.stringify(server.fault ?? server));
    assert.equal(server['OS-EXT-STS:task_state'], null);
    assert.equal(server['OS-EXT-STS:power_state'], 1);
    assert.match(server.hostId, /^[0-9a-f]{56}$/, 'a host was chosen');

    const asAdmin = await c.call<{ server: ServerView }>('GET', `${c.computeUrl}/servers/${serverId}`, c.adminToken);
    const computeHost = c.cloud.services.find((s) => s.binary === 'nova-compute')?.host;
    assert.equal(asAdmin.body.server['OS-EXT-SRV-ATTR:host'], computeHost);

    const addresses = server.addresses;
    assert.deepEqual(Object.keys(addresses), ['private'], `addresses: ${JSON.stringify(addresses)}`);
    const label = 'private';
    const list = addresses[label] as Address[];
    assert.equal(list.length, 1);
    address = (list[0] as Address).addr;
    assert.equal((list[0] as Address).version, 4);

    const networks = await c.call<{ networks: Array<{ label: string; cidr: string }> }>('GET', `${c.computeUrl}/os-networks`, c.adminToken);
    assert.equal(networks.status, 200);
    const network = networks.body.networks.find((n) => n.label === label);
    assert.ok(network && inCidr(address, network.cidr), `${address} is in the ${label} network (${network?.cidr})`);

    const fixed = await fixedIpGetByAddress(c.db, null, address);
    assert.equal(fixed.instance_uuid, serverId);
    assert.equal(Boolean(fixed.allocated), true);
  });

  await t.test('heartbeats and periodic tasks run when the clock moves, nova-compute reporting through the conductor', async () => {
    const before = new Map((await serviceGetAll(c.db, null)).map((r) => [r.binary, r.report_count]));
    await c.clock.advance(10_000);
    const after = await serviceGetAll(c.db, null);
    for (const row of after) assert.equal(row.report_count, (before.get(row.binary) ?? 0) + 1, `${row.binary} beat once`);
    const shown = await c.call<{ server: ServerView }>('GET', `${c.computeUrl}/servers/${serverId}`, c.demoToken);
    assert.equal(shown.body.server.status, 'ACTIVE', 'a periodic pass leaves the running server alone');
  });

  await t.test('DELETE /servers/{id} removes the server and releases its fixed IP', async () => {
    assert.ok(serverId, 'the boot case ran');
    const deleted = await c.call('DELETE', `${c.computeUrl}/servers/${serverId}`, c.demoToken);
    assert.equal(deleted.status, 204);

    const done = await c.notification(serverId, ['compute.instance.delete.end']);
    assert.equal(done.event_type, 'compute.instance.delete.end');

    const shown = await c.call('GET', `${c.computeUrl}/servers/${serverId}`, c.demoToken);
    assert.equal(shown.status, 404);
    const listed = await c.call<{ servers: ServerView[] }>('GET', `${c.computeUrl}/servers`, c.demoToken);
    assert.deepEqual(listed.body.servers, []);

    const fixed = await fixedIpGetByAddress(c.db, null, address);
    assert.equal(Boolean(fixed.allocated), false);
    assert.equal(fixed.instance_uuid, null, 'force_dhcp_release frees the address at once');
  });
});
