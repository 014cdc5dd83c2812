import assert from 'node:assert/strict';
import { adminContext } from '../../../src/context/context.js';
import {
  AgentBuildExists,
  AgentBuildNotFound,
  agentBuildCreate,
  agentBuildDestroy,
  agentBuildGetAll,
  agentBuildUpdate,
} from '../../../src/db/api/agent-builds.js';
import { forEachEngine } from './engines.js';

const admin = adminContext();
const build = { hypervisor: 'kvm', os: 'linux', architecture: 'x86_64', version: '1', url: 'http://a/b', md5hash: 'abc' };

forEachEngine('agent_builds DB API', async (t, { db }) => {
  await t.test('create, list by hypervisor, update, destroy', async () => {
    const made = await agentBuildCreate(db, admin, build);
    await agentBuildCreate(db, admin, { ...build, hypervisor: 'xen' });
    assert.deepEqual(
      (await agentBuildGetAll(db, admin, 'kvm')).map((a) => a.id),
      [made.id],
    );
    assert.equal((await agentBuildGetAll(db, admin)).length, 2);
    const updated = await agentBuildUpdate(db, admin, made.id, { url: 'http://a/c', md5hash: 'def', version: '2' });
    assert.deepEqual([updated.url, updated.md5hash, updated.version], ['http://a/c', 'def', '2']);
    await agentBuildDestroy(db, admin, made.id);
    assert.deepEqual(await agentBuildGetAll(db, admin, 'kvm'), []);
  });

  await t.test('a second live build for the same hypervisor, OS and architecture is refused; missing ids are not found', async () => {
    await agentBuildCreate(db, admin, { ...build, os: 'dup' });
    await assert.rejects(agentBuildCreate(db, admin, { ...build, os: 'dup' }), AgentBuildExists);
    await assert.rejects(agentBuildUpdate(db, admin, 99999, { url: 'u', md5hash: 'm', version: 'v' }), AgentBuildNotFound);
    await assert.rejects(agentBuildDestroy(db, admin, 99999), AgentBuildNotFound);
  });
});
