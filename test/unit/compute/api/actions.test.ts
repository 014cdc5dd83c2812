/**
 * The admission rules of the single-host server actions, row by row from Grizzly's
 * nova/compute/api.py check_instance_state decorators, checked against
 * every vm_state; and the order of compute.api's guards (policy, lock, host, state).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Forbidden, InstanceInvalidState } from '../../../../src/common/errors.js';
import { ALL_TASK_STATES, type TaskState } from '../../../../src/common/states/task-states.js';
import { type ActionName, checkActionAllowed, isActionAllowed } from '../../../../src/common/states/transitions.js';
import { VmState } from '../../../../src/common/states/vm-states.js';
import { guardInstance } from '../../../../src/compute/api/actions.js';
import type { ComputeApiDeps } from '../../../../src/compute/api/deps.js';
import { InstanceIsLocked, InstanceNotReady } from '../../../../src/compute/api/errors.js';
import { RequestContext } from '../../../../src/context/context.js';
import type { InstanceRecord } from '../../../../src/db/api/instances.js';

const UUID = '0f8d3c1e-5a2b-4e6f-9c7d-1b2a3c4d5e6f';
const V = VmState;

/** vm_states each action accepts, as Grizzly's decorators list them; task_state must be None. */
const TABLE_A: ReadonlyArray<[ActionName, readonly string[]]> = [
  ['reboot_soft', [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED]],
  ['reboot_hard', [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED]],
  ['rebuild', [V.ACTIVE, V.STOPPED]],
  ['pause', [V.ACTIVE, V.RESCUED]],
  ['unpause', [V.PAUSED]],
  ['suspend', [V.ACTIVE, V.RESCUED]],
  ['resume', [V.SUSPENDED]],
  ['rescue', [V.ACTIVE, V.STOPPED]],
  ['unrescue', [V.RESCUED]],
  ['start', [V.STOPPED]],
  ['stop', [V.ACTIVE, V.RESCUED, V.ERROR]],
  ['snapshot', [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED]],
  ['backup', [V.ACTIVE, V.STOPPED]],
  ['set_admin_password', [V.ACTIVE]],
];

/** Task states a hard reboot may take over (a soft reboot, a pause, resume or suspend in flight). */
const HARD_REBOOT_TAKES_OVER: readonly (TaskState | null)[] = [null, 'rebooting', 'resuming', 'unpausing', 'pausing', 'suspending'];

describe('state preconditions of the single-host actions (compute/api.py check_instance_state)', () => {
  for (const [action, accepted] of TABLE_A) {
    it(`${action}: accepts exactly vm_state ${accepted.join(', ')} with no task running`, () => {
      for (const vm of Object.values(VmState)) {
        assert.equal(isActionAllowed(action, { vm_state: vm, task_state: null }), accepted.includes(vm), `${action} from ${vm}`);
      }
    });
    it(`${action}: refuses a busy instance with the 409 naming the task_state`, () => {
      const vm = accepted[0] as VmState;
      const allowedTasks = action === 'reboot_hard' ? HARD_REBOOT_TAKES_OVER : [null];
      for (const task of ALL_TASK_STATES) {
        assert.equal(isActionAllowed(action, { vm_state: vm, task_state: task }), allowedTasks.includes(task), `${action} during ${task}`);
      }
      const busy = ALL_TASK_STATES.find((t) => !allowedTasks.includes(t)) as TaskState;
      assert.throws(
        () => checkActionAllowed(action, { uuid: UUID, vm_state: vm, task_state: busy }),
        (err: unknown) => err instanceof InstanceInvalidState && err.message.endsWith(`while it is in task_state ${busy}`),
      );
    });
  }
});

function instance(fields: Partial<InstanceRecord>): InstanceRecord {
  return {
    uuid: UUID,
    project_id: 'p1',
    user_id: 'u1',
    vm_state: 'active',
    task_state: null,
    locked: false,
    host: 'cmp1',
    ...fields,
  } as InstanceRecord;
}

function depsDenying(rule: string | null): ComputeApiDeps {
  return {
    policy: {
      enforce: (_ctx: RequestContext, action: string) => {
        if (action === rule) throw new Forbidden(`Policy doesn't allow ${action} to be performed.`);
      },
    },
  } as unknown as ComputeApiDeps;
}

const member = new RequestContext({ userId: 'u1', projectId: 'p1', roles: ['member'] });
const admin = new RequestContext({ userId: 'a1', projectId: 'p0', roles: ['admin'], isAdmin: true });

describe('guardInstance', () => {
  const guard = { policy: 'compute:pause', lock: true, host: true, state: 'pause' as const };
  const worst = instance({ locked: true, host: null, vm_state: 'stopped' });

  it('checks policy first, then the lock, then the host, then the state', () => {
    assert.throws(() => guardInstance(depsDenying('compute:pause'), member, worst, guard), Forbidden);
    assert.throws(() => guardInstance(depsDenying(null), member, worst, guard), InstanceIsLocked);
    assert.throws(() => guardInstance(depsDenying(null), admin, worst, guard), InstanceNotReady);
    assert.throws(() => guardInstance(depsDenying(null), admin, instance({ vm_state: 'stopped' }), guard), InstanceInvalidState);
  });

  it('lets an admin act on a locked instance, and anyone on an unlocked one in the right state', () => {
    guardInstance(depsDenying(null), admin, instance({ locked: true }), guard);
    guardInstance(depsDenying(null), member, instance({}), guard);
  });

  it('answers 409 for a lock and for a missing host', () => {
    assert.equal(new InstanceIsLocked(UUID).code, 409);
    assert.equal(new InstanceNotReady(UUID).code, 409);
  });
});
