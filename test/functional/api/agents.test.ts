import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type FullApi, startFullApi } from './full-api-harness.js';

const ADMIN = 'admin:admin-proj';
const MEMBER = 'alice:proj-a';
const AGENT = {
  hypervisor: 'kvm',
  os: 'linux',
  architecture: 'x86_64',
  version: '7.0',
  url: 'http://example.com/a.tgz',
  md5hash: 'add6bb58e139be103324d04d82d8f545',
};

let full: FullApi;
before(async () => {
  full = await startFullApi();
});
after(async () => full?.close());

test('create, list (with hypervisor filter), update and delete an agent build, as nova agent-* does', async () => {
  const made = await full.api.call('POST', '/v2.1/os-agents', ADMIN, { agent: AGENT });
  assert.equal(made.status, 200, made.text);
  assert.equal(typeof made.json.agent.agent_id, 'number');
  assert.deepEqual({ ...made.json.agent, agent_id: 0 }, { ...AGENT, agent_id: 0 });
  const id = made.json.agent.agent_id;
  await full.api.call('POST', '/v2.1/os-agents', ADMIN, { agent: { ...AGENT, hypervisor: 'xen' } });

  assert.equal((await full.api.call('GET', '/v2.1/os-agents', ADMIN)).json.agents.length, 2);
  const kvm = await full.api.call('GET', '/v2.1/os-agents?hypervisor=kvm', ADMIN);
  assert.deepEqual(kvm.json.agents, [made.json.agent]);

  const para = { url: 'http://example.com/b.tgz', md5hash: 'ffff', version: '7.1' };
  const updated = await full.api.call('PUT', `/v2.1/os-agents/${id}`, ADMIN, { para });
  assert.equal(updated.status, 200);
  assert.deepEqual(updated.json, { agent: { agent_id: id, ...para } });
  assert.equal((await full.api.call('GET', '/v2.1/os-agents?hypervisor=kvm', ADMIN)).json.agents[0].version, '7.1');

  assert.equal((await full.api.call('DELETE', `/v2.1/os-agents/${id}`, ADMIN)).status, 200);
  assert.deepEqual((await full.api.call('GET', '/v2.1/os-agents?hypervisor=kvm', ADMIN)).json.agents, []);
});

test('duplicate 409, missing keys 400, unknown id 404, members 403; nothing changes', async () => {
  await full.api.call('POST', '/v2.1/os-agents', ADMIN, { agent: { ...AGENT, os: 'dup' } });
  const before = await full.databaseChanges();
  assert.equal((await full.api.call('POST', '/v2.1/os-agents', ADMIN, { agent: { ...AGENT, os: 'dup' } })).status, 409);
  const { url: _url, ...noUrl } = AGENT;
  assert.equal((await full.api.call('POST', '/v2.1/os-agents', ADMIN, { agent: noUrl })).status, 400);
  assert.equal((await full.api.call('PUT', '/v2.1/os-agents/1', ADMIN, { para: { url: 'x' } })).status, 400);
  assert.equal((await full.api.call('PUT', '/v2.1/os-agents/9999', ADMIN, { para: { url: 'x', md5hash: 'y', version: 'z' } })).status, 404);
  assert.equal((await full.api.call('DELETE', '/v2.1/os-agents/9999', ADMIN)).status, 404);
  assert.equal((await full.api.call('DELETE', '/v2.1/os-agents/abc', ADMIN)).status, 404);
  assert.equal((await full.api.call('GET', '/v2.1/os-agents', MEMBER)).status, 403);
  assert.equal((await full.api.call('POST', '/v2.1/os-agents', MEMBER, { agent: { ...AGENT, os: 'm' } })).status, 403);
  assert.equal(await full.databaseChanges(), before);
});
