import assert from 'node:assert/strict';
import { AdminRequired } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import {
  AgentBuildExists,
  AgentBuildNotFound,
  agentBuildCreate,
  agentBuildDestroy,
  agentBuildGetAll,
  agentBuildUpdate,
} from '../../../src/db/api/agent-builds.js';
import { forEachEngine } from './engines.js';

const build = (hypervisor: string, os: string, architecture: string) => ({
  hypervisor,
  os,
  architecture,
  version: '1.0',
  url: `http://agents/${hypervisor}/${os}/${architecture}`,
  md5hash: 'add6bb58e139be103324d04d82d8f545',
});

forEachEngine('agent-builds DB API', async (t, { db }) => {
  const user = new RequestContext({ userId: 'u', projectId: 'p' });
  const xenLinux = await agentBuildCreate(db, null, build('xen', 'linux', 'x86'));
  const kvmLinux = await agentBuildCreate(db, null, build('kvm', 'linux', 'x86'));
  const xenWindows = await agentBuildCreate(db, null, build('xen', 'windows', 'x86_64'));

  await t.test('agentBuildCreate returns the live row with its values and creation time', () => {
    assert.deepEqual(
      [xenLinux.hypervisor, xenLinux.os, xenLinux.architecture, xenLinux.version, xenLinux.url, xenLinux.deleted],
      ['xen', 'linux', 'x86', '1.0', 'http://agents/xen/linux/x86', 0],
    );
    assert.ok(xenLinux.created_at instanceof Date);
    assert.equal(xenLinux.updated_at, null);
  });

  await t.test('a second build for the same hypervisor, OS and architecture is AgentBuildExists', async () => {
    await assert.rejects(agentBuildCreate(db, null, { ...build('xen', 'linux', 'x86'), version: '2.0' }), AgentBuildExists);
    assert.equal((await agentBuildGetAll(db, null, 'xen')).length, 2);
  });

  await t.test('agentBuildGetAll lists live builds in creation order, optionally of one hypervisor', async () => {
    assert.deepEqual(
      (await agentBuildGetAll(db, null)).map((b) => b.id),
      [xenLinux.id, kvmLinux.id, xenWindows.id],
    );
    assert.deepEqual(
      (await agentBuildGetAll(db, null, 'xen')).map((b) => b.id),
      [xenLinux.id, xenWindows.id],
    );
    assert.deepEqual(await agentBuildGetAll(db, null, 'hyperv'), []);
  });

  await t.test('agentBuildUpdate changes url, md5hash and version and stamps updated_at', async () => {
    const updated = await agentBuildUpdate(db, null, kvmLinux.id, { url: 'http://new/kvm', md5hash: 'ffff', version: '1.1' });
    assert.deepEqual([updated.url, updated.md5hash, updated.version, updated.hypervisor], ['http://new/kvm', 'ffff', '1.1', 'kvm']);
    assert.ok(updated.updated_at instanceof Date);
    assert.equal((await agentBuildGetAll(db, null, 'kvm'))[0]?.url, 'http://new/kvm');
    await assert.rejects(agentBuildUpdate(db, null, 999999, { url: 'x', md5hash: 'y', version: 'z' }), AgentBuildNotFound);
  });

  await t.test('a destroyed build disappears, cannot be updated or destroyed again, and frees its key', async () => {
    await agentBuildDestroy(db, null, xenWindows.id);
    assert.deepEqual(
      (await agentBuildGetAll(db, null)).map((b) => b.id),
      [xenLinux.id, kvmLinux.id],
    );
    await assert.rejects(agentBuildUpdate(db, null, xenWindows.id, { url: 'x', md5hash: 'y', version: 'z' }), AgentBuildNotFound);
    await assert.rejects(agentBuildDestroy(db, null, xenWindows.id), AgentBuildNotFound);
    await assert.rejects(agentBuildDestroy(db, null, 999999), AgentBuildNotFound);
    const again = await agentBuildCreate(db, null, build('xen', 'windows', 'x86_64'));
    assert.notEqual(again.id, xenWindows.id);
  });

  await t.test('every call refuses a non-admin context', async () => {
    await assert.rejects(agentBuildGetAll(db, user), AdminRequired);
    await assert.rejects(agentBuildCreate(db, user, build('lxc', 'linux', 'arm')), AdminRequired);
    await assert.rejects(agentBuildUpdate(db, user, xenLinux.id, { url: 'x', md5hash: 'y', version: 'z' }), AdminRequired);
    await assert.rejects(agentBuildDestroy(db, user, xenLinux.id), AdminRequired);
    assert.equal((await agentBuildGetAll(db, null, 'lxc')).length, 0);
    assert.equal((await agentBuildGetAll(db, null, 'xen'))[0]?.url, 'http://agents/xen/linux/x86');
  });
});
