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
  test('lists the 59 served extensions sorted by alias, each with exactly the six keys', async () => {
    const r = await h.call('GET', '/v2.1/extensions', ALICE);
    assert.equal(r.status, 200);
    const list = r.json.extensions as { alias: string; name: string; updated: string; namespace: string; links: unknown[] }[];
    assert.equal(list.length, 59);
    const aliases = list.map((e) => e.alias);
    assert.deepEqual(aliases, [...aliases].sort());
    assert.equal(new Set(aliases).size, 59);
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
    const r = await h.call('GET', '/v2/proj-a/extensions/os-console-output', ALICE);
    assert.equal(r.status, 200);
    assert.equal(r.json.extension.name, 'ConsoleOutput');
    assert.equal(r.json.extension.namespace, 'http://docs.openstack.org/compute/ext/os-console-output/api/v2');
    assert.equal((await h.call('GET', '/v2.1/extensions/os-nothing', ALICE)).status, 404);
  });

  test('does not offer extensions nova-ts does not serve', async () => {
    for (const alias of ['os-volumes', 'os-consoles', 'os-cells', 'os-coverage', 'os-baremetal-nodes']) {
      assert.equal((await h.call('GET', `/v2.1/extensions/${alias}`, ALICE)).status, 404, alias);
    }
  });
});
