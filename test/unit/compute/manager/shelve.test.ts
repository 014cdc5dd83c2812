import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueForOffload } from '../../../../src/compute/manager/shelve.js';
import type { ConductorInstance } from '../../../../src/conductor/types.js';

function shelved(at: string | null, overrides: Partial<ConductorInstance> = {}): ConductorInstance {
  return {
    uuid: '00000000-0000-4000-8000-000000000009',
    vm_state: 'shelved',
    task_state: null,
    system_metadata: at === null ? {} : { shelved_at: at },
    ...overrides,
  } as ConductorInstance;
}

describe('dueForOffload (_poll_shelved_instances)', () => {
  const at = '2013-04-04T12:00:00.000Z';
  const later = (seconds: number) => new Date(Date.parse(at) + seconds * 1000);

  it('offloads once shelved_offload_time seconds have passed since shelved_at, not before', () => {
    assert.equal(dueForOffload(shelved(at), 60, later(59)), false);
    assert.equal(dueForOffload(shelved(at), 60, later(60)), true);
  });

  it('never offloads with shelved_offload_time -1', () => {
    assert.equal(dueForOffload(shelved(at), -1, later(10 ** 9)), false);
  });

  it('leaves alone instances not resting in SHELVED, or without shelved_at', () => {
    assert.equal(dueForOffload(shelved(at, { task_state: 'unshelving' }), 60, later(120)), false);
    assert.equal(dueForOffload(shelved(at, { vm_state: 'shelved_offloaded' }), 60, later(120)), false);
    assert.equal(dueForOffload(shelved(null), 60, later(120)), false);
  });
});
