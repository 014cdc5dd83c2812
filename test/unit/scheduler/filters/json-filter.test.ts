import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonFilter } from '../../../../src/scheduler/filters/json-filter.js';
import { hostState, props } from '../fixtures.js';

const filter = new JsonFilter();
const h = hostState({
  compute: { free_ram_mb: 1024, free_disk_gb: 200, vcpus: 4 },
  capabilities: { enabled: true, hypervisor_type: 'QEMU' },
});
const query = (q: unknown) => props({ scheduler_hints: { query: JSON.stringify(q) } });

describe('JsonFilter', () => {
  it('passes without a query hint, and with an empty query', () => {
    assert.equal(filter.hostPasses(h, props()), true);
    assert.equal(filter.hostPasses(h, query([])), true);
  });
  it('compares host attributes with comparison operators', () => {
    assert.equal(filter.hostPasses(h, query(['>=', '$free_ram_mb', 1024])), true);
    assert.equal(filter.hostPasses(h, query(['>', '$free_ram_mb', 1024])), false);
    assert.equal(filter.hostPasses(h, query(['<', '$vcpus_total', 8, 5])), true, 'the first argument is compared with all others');
    assert.equal(filter.hostPasses(h, query(['<', '$vcpus_total', 8, 3])), false);
  });
  it('reads dotted dictionary paths', () => {
    assert.equal(filter.hostPasses(h, query(['=', '$capabilities.hypervisor_type', 'QEMU'])), true);
    assert.equal(filter.hostPasses(h, query(['=', '$capabilities.enabled', true])), true);
  });
  it('combines with and, or, not and in', () => {
    assert.equal(filter.hostPasses(h, query(['and', ['>=', '$free_ram_mb', 512], ['>=', '$free_disk_mb', 200 * 1024]])), true);
    assert.equal(filter.hostPasses(h, query(['and', ['>=', '$free_ram_mb', 2048], ['>=', '$free_disk_mb', 0]])), false);
    assert.equal(filter.hostPasses(h, query(['or', ['>=', '$free_ram_mb', 2048], ['>=', '$free_disk_mb', 0]])), true);
    assert.equal(filter.hostPasses(h, query(['not', ['>=', '$free_ram_mb', 2048]])), true);
    assert.equal(filter.hostPasses(h, query(['in', '$host', 'other', 'host1'])), true);
    assert.equal(filter.hostPasses(h, query(['in', '$host', 'other'])), false);
  });
  it('drops unknown variables from the arguments, so a comparison with too few arguments fails', () => {
    assert.equal(filter.hostPasses(h, query(['=', '$no_such_attribute', 1])), false);
  });
  it('rejects every host for an unknown operator or invalid JSON', () => {
    assert.equal(filter.hostPasses(h, query(['~', '$free_ram_mb', 1])), false);
    assert.equal(filter.hostPasses(h, props({ scheduler_hints: { query: '[">=", ' } })), false);
  });
  it('rejects every host for a query nested too deep to evaluate, without overflowing the stack', () => {
    const deep = `${'["not", '.repeat(50_000)}true${']'.repeat(50_000)}`;
    assert.equal(filter.hostPasses(h, props({ scheduler_hints: { query: deep } })), false);
  });
});
