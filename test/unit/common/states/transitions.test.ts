import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceInvalidState, UnexpectedTaskStateError } from '../../../../src/common/errors.js';
import {
  ACTION_NAMES,
  applyTransition,
  checkActionAllowed,
  type InstanceRef,
  rebootAction,
  stateUpdate,
  TRANSITIONS,
  transition,
} from '../../../../src/common/states/transitions.js';

const UUID = '6f4a5f7e-1c7b-4c55-9d7e-0a7c8f0a1b2c';
const inst = (vm_state: InstanceRef['vm_state'], task_state: InstanceRef['task_state'] = null): InstanceRef => ({
  uuid: UUID,
  vm_state,
  task_state,
});

describe('checkActionAllowed', () => {
  it("refuses with Nova's 409 message naming the vm_state", () => {
    assert.throws(
      () => checkActionAllowed('pause', inst('stopped')),
      (err: unknown) => {
        assert.ok(err instanceof InstanceInvalidState);
        assert.equal(err.code, 409);
        assert.equal(err.message, `Cannot 'pause' instance ${UUID} while it is in vm_state stopped`);
        assert.deepEqual(err.kwargs, { attr: 'vm_state', state: 'stopped', method: 'pause', instance_uuid: UUID });
        return true;
      },
    );
  });

  it('refuses a busy instance naming the task_state', () => {
    assert.throws(() => checkActionAllowed('stop', inst('active', 'pausing')), {
      message: `Cannot 'stop' instance ${UUID} while it is in task_state pausing`,
    });
  });

  it('uses the API action name in the message', () => {
    assert.throws(() => checkActionAllowed('snapshot', inst('rescued')), /Cannot 'createImage' instance/);
    assert.throws(() => checkActionAllowed('confirm_resize', inst('active')), /Cannot 'confirmResize' instance/);
  });

  it('accepts delete from any state, even mid-task', () => {
    checkActionAllowed('delete', inst('building', 'spawning'));
    checkActionAllowed('delete', inst('error', 'rebooting_hard'));
  });

  it('lets a hard reboot take over a soft one but not a second hard one', () => {
    checkActionAllowed('reboot_hard', inst('active', 'rebooting'));
    assert.throws(() => checkActionAllowed('reboot_hard', inst('active', 'rebooting_hard')), InstanceInvalidState);
    assert.throws(() => checkActionAllowed('reboot_soft', inst('active', 'rebooting')), InstanceInvalidState);
    assert.equal(rebootAction('hard'), 'reboot_hard');
    assert.equal(rebootAction('SOFT'), 'reboot_soft');
  });

  it('accepts stop from error, start only from stopped', () => {
    checkActionAllowed('stop', inst('error'));
    checkActionAllowed('start', inst('stopped'));
    assert.throws(() => checkActionAllowed('start', inst('active')), InstanceInvalidState);
  });
});

describe('transition table', () => {
  it('chains each action: every step and the success outcome expect the task_state written just before', () => {
    for (const name of ACTION_NAMES) {
      const spec = TRANSITIONS[name];
      let current = spec.start ? spec.start.taskState : null;
      for (const step of spec.steps) {
        if (step.expectedTaskState) assert.ok(step.expectedTaskState.includes(current), `${name}.${step.name}`);
        current = step.taskState;
      }
      if (spec.success.expectedTaskState) assert.ok(spec.success.expectedTaskState.includes(current), `${name}.success`);
    }
  });

  it('ends every failure with task_state null, guarded by task_states the action set itself', () => {
    for (const name of ACTION_NAMES) {
      const spec = TRANSITIONS[name];
      assert.equal(spec.failure.taskState, null, name);
      assert.ok(spec.failure.expectedTaskState && spec.failure.expectedTaskState.length > 0, name);
      const own = new Set([spec.start ? spec.start.taskState : null, ...spec.steps.map((s) => s.taskState)]);
      for (const t of spec.failure.expectedTaskState ?? []) assert.ok(own.has(t), `${name} failure guards ${t}`);
    }
  });

  it('sets the task_state Nova sets when the API accepts the action', () => {
    assert.equal(transition('pause', 'start').taskState, 'pausing');
    assert.equal(transition('stop', 'start').taskState, 'powering-off');
    assert.equal(transition('reboot_hard', 'start').taskState, 'rebooting_hard');
    assert.equal(transition('resize', 'start').taskState, 'resize_prep');
    assert.equal(transition('delete', 'start').taskState, 'deleting');
    assert.equal(transition('create', 'start').vmState, 'building');
    assert.equal(TRANSITIONS.confirm_resize.start, null);
  });

  it('brings a rebuilt stopped instance back to stopped, an active one to active', () => {
    assert.deepEqual(stateUpdate('rebuild', 'success', { vm_state: 'stopped' }).updates, { vm_state: 'stopped', task_state: null });
    assert.deepEqual(stateUpdate('rebuild', 'success', { vm_state: 'active' }).updates, { vm_state: 'active', task_state: null });
  });

  it('sends a resize without a valid host back to active, even from stopped', () => {
    const after = applyTransition('resize', 'no_valid_host', inst('stopped', 'resize_prep'));
    assert.equal(after.vm_state, 'active');
    assert.equal(after.task_state, null);
  });

  it('refuses a write whose expected task_state no longer holds', () => {
    assert.throws(
      () => applyTransition('pause', 'success', inst('active', 'deleting')),
      (err: unknown) => {
        assert.ok(err instanceof UnexpectedTaskStateError);
        assert.match(err.message, /Expected: \{'task_state': \[pausing\]\}\. Actual: \{'task_state': deleting\}/);
        return true;
      },
    );
  });

  it('lets delete complete whatever happened to the task meanwhile', () => {
    assert.equal(applyTransition('delete', 'success', inst('active', null)).vm_state, 'deleted');
  });

  it('throws on a phase the action does not have', () => {
    assert.throws(() => transition('pause', 'no_valid_host'), /has no no_valid_host transition/);
  });
});
