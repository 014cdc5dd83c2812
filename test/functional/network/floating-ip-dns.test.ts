/**
 * os-floating-ip-dns over HTTP against a network manager whose DNS drivers are MiniDNS:
 * public and private domains, entries created, changed, looked up by name and address and
 * deleted; released floating IPs and deallocated instances lose their names.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NoAuth2Strategy } from '../../../src/api/auth/noauth2.js';
import { floatingIpDnsResource } from '../../../src/api/openstack/compute/floating-ip-dns.js';
import { type RunningApi, startComputeApi } from '../../../src/api/server.js';
import { Config } from '../../../src/config/config.js';
import { adminContext } from '../../../src/context/context.js';
import { NetworkAPI } from '../../../src/network/api.js';
import { networkContract } from '../../../src/network/contract.js';
import { MINIDNS_DRIVER } from '../../../src/network/dns/minidns.js';
import { NoopLinuxNet } from '../../../src/network/linux-net.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { ContractClient } from '../../../src/rpc/contract-client.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { type NetworkTestEnv, networkTestEnv } from './harness.js';

const MEMBER = { 'X-Auth-Token': 'alice:proj-a' };

let env: NetworkTestEnv;
let api: RunningApi;
let server: RpcServer;
let transport: LocalTransport;
let manager: NetworkManager;

before(async () => {
  env = await networkTestEnv();
  const conf = env.conf({
    log_dir: env.dir,
    floating_ip_dns_manager: MINIDNS_DRIVER,
    instance_dns_manager: MINIDNS_DRIVER,
    instance_dns_domain: 'vms.example.org',
  });
  transport = new LocalTransport({ bus: new LocalBus(), responseTimeout: 5 });
  manager = new NetworkManager('nethost', { db: env.db, conf, driver: new NoopLinuxNet() });
  server = new RpcServer(transport, 'network', 'nethost', contractEndpoint(networkContract, manager));
  await server.start();
  const apiConf = Config.load({
    overrides: { DEFAULT: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: 0, auth_strategy: 'noauth2' } },
  });
  api = await startComputeApi(apiConf, {
    auth: new NoAuth2Strategy(),
    policy: new PolicyEnforcer(apiConf),
    resources: [floatingIpDnsResource(new NetworkAPI(new ContractClient(transport, networkContract)))],
  });
});

after(async () => {
  await api.close();
  await server.stop();
  await transport.close();
  await env.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}/v2.1${path}`, {
    method,
    headers: { ...MEMBER, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

test('domains: public with a project, private with a zone; a scope-mismatched key is 400', async () => {
  const pub = await call('PUT', '/os-floating-ip-dns/pub.example.org', { domain_entry: { scope: 'public', project: 'proj-a' } });
  assert.equal(pub.status, 200, JSON.stringify(pub.json));
  assert.deepEqual(pub.json, { domain_entry: { domain: 'pub.example.org', scope: 'public', project: 'proj-a' } });
  const priv = await call('PUT', '/os-floating-ip-dns/vms.example.org', { domain_entry: { scope: 'private', availability_zone: 'nova' } });
  assert.equal(priv.status, 200);
  assert.deepEqual(priv.json, { domain_entry: { domain: 'vms.example.org', scope: 'private', availability_zone: 'nova' } });
  assert.equal(
    (await call('PUT', '/os-floating-ip-dns/x.org', { domain_entry: { scope: 'public', availability_zone: 'nova' } })).status,
    400,
  );
  assert.equal((await call('PUT', '/os-floating-ip-dns/x.org', { domain_entry: { scope: 'private', project: 'p' } })).status, 400);
  assert.equal((await call('PUT', '/os-floating-ip-dns/x.org', { domain_entry: { scope: 'galactic' } })).status, 400);
  const listed = await call('GET', '/os-floating-ip-dns');
  assert.deepEqual(listed.json.domain_entries, [
    { domain: 'pub.example.org', scope: 'public', project: 'proj-a', availability_zone: null },
    { domain: 'vms.example.org', scope: 'private', project: null, availability_zone: 'nova' },
  ]);
});

test('entries are created, looked up by name and by address, moved, and deleted', async () => {
  const put = await call('PUT', '/os-floating-ip-dns/pub.example.org/entries/www', { dns_entry: { ip: '192.0.2.10', dns_type: 'A' } });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  assert.deepEqual(put.json, { dns_entry: { ip: '192.0.2.10', name: 'www', type: 'A', domain: 'pub.example.org' } });
  const byName = await call('GET', '/os-floating-ip-dns/pub.example.org/entries/www');
  assert.deepEqual(byName.json, { dns_entry: { ip: '192.0.2.10', id: null, name: 'www', type: 'A', domain: 'pub.example.org' } });
  const byAddress = await call('GET', '/os-floating-ip-dns/pub.example.org/entries/192.0.2.10');
  assert.deepEqual(
    byAddress.json.dns_entries.map((e: { name: string }) => e.name),
    ['www'],
  );
  assert.equal(
    (await call('PUT', '/os-floating-ip-dns/pub.example.org/entries/www', { dns_entry: { ip: '192.0.2.11', dns_type: 'A' } })).status,
    200,
  );
  assert.equal((await call('GET', '/os-floating-ip-dns/pub.example.org/entries/www')).json.dns_entry.ip, '192.0.2.11');
  const file = readFileSync(join(env.dir, 'dnstest.txt'), 'utf8');
  assert.match(file, /^192\.0\.2\.11 {3}www\.pub\.example\.org {3}A$/m);
  assert.equal(
    (await call('PUT', '/os-floating-ip-dns/pub.example.org/entries/mx', { dns_entry: { ip: '192.0.2.12', dns_type: 'MX' } })).status,
    400,
  );
  assert.equal((await call('DELETE', '/os-floating-ip-dns/pub.example.org/entries/www')).status, 202);
  assert.equal((await call('DELETE', '/os-floating-ip-dns/pub.example.org/entries/www')).status, 404);
  assert.equal((await call('GET', '/os-floating-ip-dns/pub.example.org/entries/www')).status, 404);
});

test('a released floating IP loses its names in every domain', async () => {
  await manager.floating.createRange(adminContext(), { ip_range: '192.0.2.20' });
  const address = await manager.floating.allocate(adminContext(), 'proj-a', null);
  await call('PUT', '/os-floating-ip-dns/pub.example.org/entries/api', { dns_entry: { ip: address, dns_type: 'A' } });
  await manager.floating.deallocate(adminContext(), address);
  assert.equal((await call('GET', '/os-floating-ip-dns/pub.example.org/entries/api')).status, 404);
});

test('deleting a domain removes its entries; an unknown domain is 404', async () => {
  await call('PUT', '/os-floating-ip-dns/pub.example.org/entries/gone', { dns_entry: { ip: '192.0.2.30', dns_type: 'A' } });
  assert.equal((await call('DELETE', '/os-floating-ip-dns/pub.example.org')).status, 202);
  assert.doesNotMatch(readFileSync(join(env.dir, 'dnstest.txt'), 'utf8'), /pub\.example\.org/);
  assert.equal((await call('DELETE', '/os-floating-ip-dns/pub.example.org')).status, 404);
});

test('an instance gets its display name and uuid in instance_dns_domain with its fixed IP, and loses them at deallocation', async () => {
  const admin = adminContext();
  await manager.create_networks(admin, { label: 'dnsnet', cidr: '10.60.0.0/29', bridge: 'br60' });
  const uuid = await env.instance('proj-a', 'cmp1');
  await env.db.kysely.updateTable('instances').set({ display_name: 'web1' }).where('uuid', '=', uuid).execute();
  await manager.allocate_for_instance(admin, { instance_id: uuid, project_id: 'proj-a', host: 'cmp1' });
  const [fixed] = await manager.get_vifs_by_instance(admin, { instance_id: uuid });
  assert.ok(fixed);
  const file = readFileSync(join(env.dir, 'dnstest.txt'), 'utf8');
  const address = /^(\S+) {3}web1\.vms\.example\.org {3}A$/m.exec(file)?.[1];
  assert.ok(address, file);
  assert.match(file, new RegExp(`^${address.replace(/\./g, '\\.')} {3}${uuid}\\.vms\\.example\\.org {3}A$`, 'm'));
  await manager.deallocate_for_instance(admin, { instance_id: uuid, project_id: 'proj-a', host: 'cmp1' });
  assert.doesNotMatch(readFileSync(join(env.dir, 'dnstest.txt'), 'utf8'), /vms\.example\.org {3}A/);
});
