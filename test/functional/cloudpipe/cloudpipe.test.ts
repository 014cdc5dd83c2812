import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inflateRawSync } from 'node:zlib';
import { Command } from 'commander';
import { XMLParser } from 'fast-xml-parser';
import { uploadTinyImage } from '../../../bench/boot-client.js';
import { cryptoOpts } from '../../../src/cert/opts.js';
import { registerVpnCommands } from '../../../src/cmd/manage/vpn.js';
import { adminContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import { networkGetAll, networkUpdate } from '../../../src/db/api/networks.js';
import { Ec2Client } from '../../support/aws-client.js';
import { type Ec2Cloud, startEc2Cloud } from '../ec2/harness.js';

/** An OpenVPN server as far as vpn_ping can tell: it answers a client hard reset with a server one. */
async function fakeOpenVpn(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const reply = Buffer.concat([
      Buffer.from([0x40]),
      Buffer.alloc(8, 1),
      Buffer.from([1, 0, 0, 0, 0]),
      msg.subarray(1, 9),
      Buffer.alloc(4),
    ]);
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: (socket.address() as AddressInfo).port };
}

/** The names and contents of a zip's entries, read through its central directory. */
function unzip(archive: Buffer): Map<string, string> {
  const end = archive.length - 22;
  let at = archive.readUInt32LE(end + 16);
  const out = new Map<string, string>();
  for (let i = 0; i < archive.readUInt16LE(end + 10); i++) {
    const packed = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const local = archive.readUInt32LE(at + 42);
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    out.set(archive.subarray(at + 46, at + 46 + nameLength).toString(), inflateRawSync(archive.subarray(start, start + packed)).toString());
    at += 46 + nameLength;
  }
  return out;
}

interface Entry {
  project_id: string;
  instance_id: string;
  created_at: string;
  internal_ip?: string;
  public_ip?: string | null;
  public_port?: number | null;
  state?: string;
}

describe('os-cloudpipe and nova-manage vpn', () => {
  let c: Ec2Cloud;
  let db: Db;
  let adminToken: string;
  let demoToken: string;
  let demoProject: string;
  let vpn: { socket: Socket; port: number };

  async function call(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${c.cloud.computeUrl}/v2.1${path}`, {
      method,
      headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function list(): Promise<Entry[]> {
    const r = await call(adminToken, 'GET', '/os-cloudpipe');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.cloudpipes as Entry[];
  }

  async function manage(...argv: string[]): Promise<string> {
    const program = new Command('nova-manage').exitOverride();
    const conf = c.cloud.runtime.conf;
    registerVpnCommands(program, () => conf);
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(argv, { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    return chunks.join('');
  }

  before(async () => {
    c = await startEc2Cloud({ DEFAULT: { cnt_vpn_clients: 3, dmz_net: '10.9.0.0' } });
    db = c.cloud.runtime.db as Db;
    adminToken = await c.token('admin');
    demoToken = c.demoToken;
    demoProject = c.cloud.bootstrap.demo.projectId;
    vpn = await fakeOpenVpn();
  });
  after(async () => {
    vpn?.socket.close();
    await c?.stop();
  });

  it('is for admins only, and refuses to launch while vpn_image_id is unset', async () => {
    assert.deepEqual(await list(), []);
    assert.equal((await call(demoToken, 'GET', '/os-cloudpipe')).status, 403);
    assert.equal((await call(demoToken, 'POST', '/os-cloudpipe', { cloudpipe: {} })).status, 403);
    const unset = await call(adminToken, 'POST', '/os-cloudpipe', { cloudpipe: { project_id: demoProject } });
    assert.equal(unset.status, 400);
    assert.match(JSON.stringify(unset.body), /vpn_image_id/);
    assert.equal((await call(adminToken, 'POST', '/os-cloudpipe', { cloudpipe: { project_id: '../x' } })).status, 400);
    assert.equal((await call(adminToken, 'POST', '/os-cloudpipe', { vpn: {} })).status, 400);
  });

  it('launches one VPN instance per project from vpn_image_id, with its key pair, security group and payload', async () => {
    const imageUrl = (c.cloud.identity.service.catalog.find((s) => s.type === 'image')?.endpoints[0]?.url ?? '').replace(/\/+$/, '');
    const vpnImage = await uploadTinyImage(imageUrl, adminToken);
    c.cloud.runtime.conf.set('DEFAULT', 'vpn_image_id', vpnImage);
    // The project's own network (VLAN mode gives each project one; here the flat network is handed to it).
    const [network] = await networkGetAll(db, adminContext());
    assert.ok(network);
    await networkUpdate(db, adminContext(), network.id, { project_id: demoProject });

    const created = await call(adminToken, 'POST', '/os-cloudpipe', { cloudpipe: { project_id: demoProject } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const instanceId = created.body.instance_id as string;
    assert.match(instanceId, /^[0-9a-f-]{36}$/);
    const again = await call(adminToken, 'POST', '/os-cloudpipe', { cloudpipe: { project_id: demoProject } });
    assert.equal(again.body.instance_id, instanceId, 'a project has one VPN');

    const row = await db.kysely.selectFrom('instances').selectAll().where('uuid', '=', instanceId).executeTakeFirstOrThrow();
    const name = `${demoProject}-vpn`;
    assert.equal(row.image_ref, vpnImage);
    assert.equal(row.project_id, demoProject);
    assert.equal(row.user_id, 'project-vpn');
    assert.equal(row.display_name, name);
    assert.equal(row.key_name, name);
    assert.equal(
      row.instance_type_id,
      (await db.kysely.selectFrom('instance_types').select('id').where('name', '=', 'm1.tiny').executeTakeFirstOrThrow()).id,
    );
    const payload = unzip(Buffer.from(Buffer.from(row.user_data as string, 'base64').toString('ascii'), 'base64'));
    assert.deepEqual([...payload.keys()], ['autorun.sh', 'crl.pem', 'server.key', 'ca.crt', 'server.crt']);
    assert.match(payload.get('autorun.sh') as string, /push "route 10\.9\.0\.0 255\.255\.255\.0 \$GATEWAY"/);
    assert.match(payload.get('autorun.sh') as string, /BROADCAST - 3/);
    assert.match(payload.get('server.crt') as string, /BEGIN CERTIFICATE/);
    assert.match(payload.get('server.key') as string, /PRIVATE KEY/);
    assert.match(payload.get('crl.pem') as string, /BEGIN X509 CRL/);

    const pem = join(c.cloud.runtime.conf.get(cryptoOpts).keys_path as string, 'project-vpn', `${name}.pem`);
    assert.ok(existsSync(pem), `${pem} holds the VPN key pair's private key`);
    assert.equal(statSync(pem).mode & 0o777, 0o600);
    const group = await db.kysely
      .selectFrom('security_groups')
      .selectAll()
      .where('name', '=', name)
      .where('project_id', '=', demoProject)
      .executeTakeFirstOrThrow();
    const rules = await db.kysely
      .selectFrom('security_group_rules')
      .selectAll()
      .where('parent_group_id', '=', group.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rules.map((r) => [r.protocol, r.from_port, r.to_port, r.cidr]),
      [
        ['udp', 1194, 1194, '0.0.0.0/0'],
        ['icmp', -1, -1, '0.0.0.0/0'],
      ],
    );

    // Once it has an address, the list shows it; without a public endpoint its state is invalid.
    const end = Date.now() + 30_000;
    let entry: Entry | undefined;
    for (;;) {
      entry = (await list()).find((e) => e.instance_id === instanceId);
      if (entry?.internal_ip) break;
      assert.ok(Date.now() < end, `no address for the VPN instance: ${JSON.stringify(entry)}`);
      await sleep(50);
    }
    assert.equal(entry.project_id, demoProject);
    assert.match(entry.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(entry.state, 'invalid');

    // Non-admins never see VPN instances in EC2's DescribeInstances; admins do.
    const parser = new XMLParser({ isArray: (n) => n === 'item' });
    const demoView = parser.parse((await new Ec2Client(c.ec2Url, c.demo).call('DescribeInstances')).text).DescribeInstancesResponse;
    assert.equal(demoView.reservationSet, '');
    const adminView = parser.parse((await new Ec2Client(c.ec2Url, c.admin).call('DescribeInstances')).text).DescribeInstancesResponse;
    assert.equal(adminView.reservationSet.item.length, 1);
  });

  it('nova-manage vpn change points the project VPN at an address and port; the list probes it there', async () => {
    await manage('vpn', 'change', '--project', demoProject, '--ip', '127.0.0.1', '--port', String(vpn.port));
    const [entry] = await list();
    assert.equal(entry?.public_ip, '127.0.0.1');
    assert.equal(entry?.public_port, vpn.port);
    assert.equal(entry?.state, 'running');
    const listed = await manage('vpn', 'list');
    assert.match(listed, new RegExp(`${demoProject}\\s+127\\.0\\.0\\.1\\s+${vpn.port}\\s+\\S+\\s+${entry?.instance_id}\\s+running`));

    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      await manage(
        'vpn',
        'change',
        '--project',
        demoProject,
        '--ip',
        '127.0.0.1',
        '--port',
        String((silent.address() as AddressInfo).port),
      );
      assert.equal((await list())[0]?.state, 'down');
    } finally {
      silent.close();
    }
    await assert.rejects(manage('vpn', 'change', '--project', demoProject, '--ip', 'not-an-ip', '--port', '1194'), /Invalid VPN address/);
    await assert.rejects(manage('vpn', 'change', '--project', 'nobody', '--ip', '127.0.0.1', '--port', '1194'), /has no network/);
  });

  it("configure-project sets the caller's project VPN endpoint, and refuses bad input", async () => {
    const adminProject = c.cloud.bootstrap.admin.projectId;
    const none = await call(adminToken, 'PUT', '/os-cloudpipe/configure-project', {
      configure_project: { vpn_ip: '192.0.2.1', vpn_port: 1194 },
    });
    assert.equal(none.status, 404, 'the admin project has no network yet');
    const [network] = await networkGetAll(db, adminContext());
    assert.ok(network);
    await networkUpdate(db, adminContext(), network.id, { project_id: adminProject });
    const ok = await call(adminToken, 'PUT', '/os-cloudpipe/configure-project', {
      configure_project: { vpn_ip: '192.0.2.1', vpn_port: '1195' },
    });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    const updated = (await networkGetAll(db, adminContext()))[0];
    assert.equal(updated?.vpn_public_address, '192.0.2.1');
    assert.equal(updated?.vpn_public_port, 1195);
    for (const body of [
      { configure_project: { vpn_ip: 'nowhere', vpn_port: 1194 } },
      { configure_project: { vpn_ip: '192.0.2.1', vpn_port: 70000 } },
      { configure_project: { vpn_ip: '192.0.2.1' } },
      {},
    ]) {
      const r = await call(adminToken, 'PUT', '/os-cloudpipe/configure-project', body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    assert.equal(
      (await call(adminToken, 'PUT', '/os-cloudpipe/reconfigure', { configure_project: { vpn_ip: '192.0.2.1', vpn_port: 1 } })).status,
      400,
    );
    assert.equal(
      (await call(demoToken, 'PUT', '/os-cloudpipe/configure-project', { configure_project: { vpn_ip: '192.0.2.1', vpn_port: 1 } })).status,
      403,
    );
    assert.equal((await networkGetAll(db, adminContext()))[0]?.vpn_public_port, 1195, 'refused requests changed nothing');
  });
});
