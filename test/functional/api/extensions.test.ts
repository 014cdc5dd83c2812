import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ComputeHarness, startComputeHarness } from './compute-harness.js';

const ALICE = 'alice:proj-a';
let h: ComputeHarness;
before(async () => {
  h = await startComputeHarness();
});
after(async () => h.close());

describe('extensions', () => {
  test('lists the 62 Grizzly extensions and os-migrations, os-server-groups and os-shelve sorted by alias, each with exactly the six keys', async () => {
    const r = await h.call('GET', '/v2.1/extensions', ALICE);
    assert.equal(r.status, 200);
    const list = r.json.extensions as { alias: string; name: string; updated: string; namespace: string; links: unknown[] }[];
    assert.equal(list.length, 65);
    const aliases = list.map((e) => e.alias);
    assert.deepEqual(aliases, [...aliases].sort());
    assert.equal(new Set(aliases).size, 65);
    for (const e of list) {
      assert.deepEqual(Object.keys(e).sort(), ['alias', 'description', 'links', 'name', 'namespace', 'updated']);
      assert.deepEqual(e.links, []);
      assert.match(e.updated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
      assert.match(e.namespace, /^http:\/\/docs\.openstack\.org\//);
    }
    assert.ok(list.some((e) => e.name === 'Hosts'));
    assert.ok(list.some((e) => e.alias === 'os-shelve' && e.name === 'Shelve'));
  });

  test('shows one extension by alias; an unknown alias is 404', async () => {
    const r = await h.call('GET', '/v2/proj-a/extensions/os-consoles', ALICE);
    assert.equal(r.status, 200);
    assert.equal(r.json.extension.name, 'Consoles');
    assert.equal(r.json.extension.namespace, 'http://docs.openstack.org/compute/ext/os-consoles/api/v2');
    assert.equal((await h.call('GET', '/v2.1/extensions/os-nothing', ALICE)).status, 404);
  });
});
