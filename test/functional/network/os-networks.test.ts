import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NoAuth2Strategy } from '../../../src/api/auth/noauth2.js';
import { networksResource } from '../../../src/api/openstack/compute/networks.js';
import { type RunningApi, startComputeApi } from '../../../src/api/server.js';
import { Config } from '../../../src/config/config.js';
import { NetworkAPI } from '../../../src/network/api.js';
import { networkContract } from '../../../src/network/contract.js';
import { NoopLinuxNet } from '../../../src/network/linux-net.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { ContractClient } from '../../../src/rpc/contract-client.js';
import { LocalBus, LocalTransport } from '../../../src/rpc/local-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { type NetworkTestEnv, networkTestEnv } from './harness.js';

const ADMIN = { 'X-Auth-Token': 'admin:admin-project' };
const MEMBER = { 'X-Auth-Token': 'alice:proj-a' };

let env: NetworkTestEnv;
let api: RunningApi;
let server: RpcServer;
let transport: LocalTransport;

before(async () => {
  env = await networkTestEnv();
  const conf = env.conf();
  transport = new LocalTransport({ bus: new LocalBus(), responseTimeout: 5 });
  server = new RpcServer(
    transport,
    'network',
    'nethost',
    contractEndpoint(networkContract, new NetworkManager('nethost', { db: env.db, conf, driver: new NoopLinuxNet() })),
  );
  await server.start();
  const apiConf = Config.load({
    overrides: { DEFAULT: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: 0, auth_strategy: 'noauth2' } },
  });
  api = await startComputeApi(apiConf, {
    auth: new NoAuth2Strategy(),
    policy: new PolicyEnforcer(apiConf),
    resources: [networksResource(new NetworkAPI(new ContractClient(transport, networkContract)))],
  });
});

after(async () => {
  await api.close();
  await server.stop();
  await transport.close();
  await env.close();
});

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

let created: Record<string, unknown>;

test('an admin creates a network with POST /os-networks and gets the admin view', async () => {
  const res = await call('POST', '/v2.1/os-networks', ADMIN, { network: { label: 'net1', cidr: '10.70.0.0/28', bridge: 'br70' } });
  assert.equal(res.status, 200);
  created = res.json.network;
  assert.equal(created.label, 'net1');
  assert.equal(created.cidr, '10.70.0.0/28');
  assert.equal(created.gateway, '10.70.0.1');
  assert.equal(created.broadcast, '10.70.0.15');
  assert.equal(created.netmask, '255.255.255.240');
  assert.equal(created.bridge, 'br70');
  assert.equal(created.multi_host, false);
  assert.match(created.id as string, /^[0-9a-f-]{36}$/);
  assert.match(created.created_at as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
});

test('a member may not create or delete networks (403)', async () => {
  const post = await call('POST', '/v2.1/os-networks', MEMBER, { network: { label: 'x', cidr: '10.71.0.0/28' } });
  assert.equal(post.status, 403);
  assert.equal(post.json.forbidden.code, 403);
  const del = await call('DELETE', `/v2.1/os-networks/${created.id}`, MEMBER);
  assert.equal(del.status, 403);
});

test('admins list and show networks with every column; members see only the addressing fields', async () => {
  const adminList = await call('GET', '/v2.1/os-networks', ADMIN);
  assert.equal(adminList.status, 200);
  assert.equal(adminList.json.networks.length, 1);
  assert.equal(adminList.json.networks[0].bridge, 'br70');
  const memberShow = await call('GET', `/v2.1/os-networks/${created.id}`, MEMBER);
  assert.equal(memberShow.status, 200);
  assert.deepEqual(Object.keys(memberShow.json.network).sort(), [
    'broadcast',
    'cidr',
    'cidr_v6',
    'dns1',
    'dns2',
    'gateway',
    'gateway_v6',
    'id',
    'label',
    'netmask',
    'netmask_v6',
  ]);
});

test('bad requests: a missing cidr is 400, an overlapping cidr 409, an unknown id 404', async () => {
  assert.equal((await call('POST', '/v2.1/os-networks', ADMIN, { network: { label: 'nocidr' } })).status, 400);
  assert.equal(
    (await call('POST', '/v2.1/os-networks', ADMIN, { network: { label: 'dup', cidr: '10.70.0.0/28', bridge: 'b' } })).status,
    409,
  );
  const missing = await call('GET', '/v2.1/os-networks/3f1c0000-0000-4000-8000-000000000000', ADMIN);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.itemNotFound.code, 404);
});

test('associate_host takes a host name; anything else is 400 and stored nowhere', async () => {
  for (const host of ['cmp\u0000x', 'a b', '', 'h/1']) {
    const res = await call('POST', `/v2.1/os-networks/${created.id}/action`, ADMIN, { associate_host: host });
    assert.equal(res.status, 400, JSON.stringify(host));
  }
  const shown = await call('GET', `/v2.1/os-networks/${created.id}`, ADMIN);
  assert.equal(shown.json.network.host, null);
  assert.equal((await call('POST', `/v2.1/os-networks/${created.id}/action`, ADMIN, { associate_host: 'cmp-1.example' })).status, 202);
  assert.equal((await call('GET', `/v2.1/os-networks/${created.id}`, ADMIN)).json.network.host, 'cmp-1.example');
});

test('disassociate answers 202, and DELETE removes the network', async () => {
  assert.equal((await call('POST', `/v2.1/os-networks/${created.id}/action`, ADMIN, { disassociate: null })).status, 202);
  assert.equal((await call('DELETE', `/v2.1/os-networks/${created.id}`, ADMIN)).status, 202);
  assert.equal((await call('GET', '/v2.1/os-networks', ADMIN)).json.networks.length, 0);
  assert.equal((await call('DELETE', `/v2.1/os-networks/${created.id}`, ADMIN)).status, 404);
});

test('os-networks/add needs the VLAN manager (501 with FlatDHCP)', async () => {
  assert.equal((await call('POST', '/v2.1/os-networks/add', ADMIN, { id: null })).status, 501);
});
