import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stateFilterFromStatus, statusFromState } from '../../../../src/common/states/status.js';
import { ALL_TASK_STATES } from '../../../../src/common/states/task-states.js';
import { ALL_VM_STATES } from '../../../../src/common/states/vm-states.js';

describe('statusFromState', () => {
  it('gives each vm_state its default status when no task overrides it', () => {
    const expected: Record<string, string> = {
      active: 'ACTIVE',
      building: 'BUILD',
      paused: 'PAUSED',
      suspended: 'SUSPENDED',
      stopped: 'SHUTOFF',
      rescued: 'RESCUE',
      resized: 'VERIFY_RESIZE',
      'soft-delete': 'SOFT_DELETED',
      deleted: 'DELETED',
      error: 'ERROR',
    };
    for (const [vm, status] of Object.entries(expected)) assert.equal(statusFromState(vm, null), status, vm);
  });

  it('lets task_states of an active server override its status', () => {
    assert.equal(statusFromState('active', 'rebooting'), 'REBOOT');
    assert.equal(statusFromState('active', 'rebooting_hard'), 'HARD_REBOOT');
    assert.equal(statusFromState('active', 'updating_password'), 'PASSWORD');
    assert.equal(statusFromState('active', 'rebuild_spawning'), 'REBUILD');
    assert.equal(statusFromState('active', 'migrating'), 'MIGRATING');
    assert.equal(statusFromState('active', 'resize_finish'), 'RESIZE');
    assert.equal(statusFromState('active', 'pausing'), 'ACTIVE');
  });

  it("applies today's overrides to stopped, paused, resized and error servers", () => {
    assert.equal(statusFromState('stopped', 'resize_prep'), 'RESIZE');
    assert.equal(statusFromState('stopped', 'rebuilding'), 'REBUILD');
    assert.equal(statusFromState('stopped', 'rebooting'), 'SHUTOFF');
    assert.equal(statusFromState('paused', 'migrating'), 'MIGRATING');
    assert.equal(statusFromState('resized', 'resize_reverting'), 'REVERT_RESIZE');
    assert.equal(statusFromState('error', 'rebuilding'), 'REBUILD');
    assert.equal(statusFromState('building', 'spawning'), 'BUILD');
  });

  it('answers UNKNOWN for a vm_state it does not know', () => {
    assert.equal(statusFromState('hibernated', null), 'UNKNOWN');
    assert.equal(statusFromState(null, null), 'UNKNOWN');
  });

  it('shows shelved servers as SHELVED and SHELVED_OFFLOADED', () => {
    assert.equal(statusFromState('shelved', null), 'SHELVED');
    assert.equal(statusFromState('shelved_offloaded', null), 'SHELVED_OFFLOADED');
  });

  it('never answers UNKNOWN for a known vm_state, whatever the task', () => {
    for (const vm of ALL_VM_STATES) {
      for (const task of [null, ...ALL_TASK_STATES]) assert.notEqual(statusFromState(vm, task), 'UNKNOWN', `${vm}/${task}`);
    }
  });
});

describe('stateFilterFromStatus', () => {
  it('maps a default status to its vm_state without filtering the task', () => {
    assert.deepEqual(stateFilterFromStatus('ACTIVE'), { vmStates: ['active'], taskStates: null });
    assert.deepEqual(stateFilterFromStatus('shutoff'), { vmStates: ['stopped'], taskStates: null });
    assert.deepEqual(stateFilterFromStatus(' soft_deleted '), { vmStates: ['soft-delete'], taskStates: null });
  });

  it('maps a task-derived status to the vm_states and task_states that show it', () => {
    assert.deepEqual(stateFilterFromStatus('REBOOT'), { vmStates: ['active'], taskStates: ['rebooting'] });
    assert.deepEqual(stateFilterFromStatus('MIGRATING'), { vmStates: ['active', 'paused'], taskStates: ['migrating'] });
    const rebuild = stateFilterFromStatus('REBUILD');
    assert.deepEqual(rebuild.vmStates, ['active', 'error', 'stopped']);
    assert.deepEqual(rebuild.taskStates, ['rebuild_block_device_mapping', 'rebuild_spawning', 'rebuilding']);
  });

  it('selects nothing for an unknown status', () => {
    assert.deepEqual(stateFilterFromStatus('BOGUS'), { vmStates: [], taskStates: [] });
  });

  it('round-trips: every (vm_state, task_state) pair is selected by the status it shows', () => {
    for (const vm of ALL_VM_STATES) {
      for (const task of [null, ...ALL_TASK_STATES]) {
        const filter = stateFilterFromStatus(statusFromState(vm, task));
        assert.ok(filter.vmStates.includes(vm), `${vm}/${task}`);
        if (filter.taskStates !== null) assert.ok(task !== null && filter.taskStates.includes(task), `${vm}/${task}`);
      }
    }
  });
});
