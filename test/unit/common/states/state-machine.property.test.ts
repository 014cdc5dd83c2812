import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InstanceInvalidState, UnexpectedTaskStateError } from '../../../../src/common/errors.js';
import { statusFromState } from '../../../../src/common/states/status.js';
import type { TaskState } from '../../../../src/common/states/task-states.js';
import {
  ACTION_NAMES,
  type ActionName,
  applyTransition,
  checkActionAllowed,
  type InstanceRef,
  isActionAllowed,
  isAtRest,
  type Phase,
  TRANSITIONS,
  transition,
} from '../../../../src/common/states/transitions.js';
import { FINAL_VM_STATES, type VmState } from '../../../../src/common/states/vm-states.js';

/** nova/compute/api.py's check_instance_state guards, written out independently: the vm_states each action starts from. */
const SPEC_ALLOWED_VM: Record<Exclude<ActionName, 'create'>, readonly VmState[] | 'any'> = {
  delete: 'any',
  soft_delete: 'any',
  force_delete: ['soft-delete'],
  restore: ['soft-delete'],
  reboot_soft: ['active', 'stopped', 'paused', 'suspended'],
  reboot_hard: ['active', 'stopped', 'paused', 'suspended'],
  rebuild: ['active', 'stopped'],
  evacuate: ['active', 'stopped'],
  resize: ['active', 'stopped'],
  migrate: ['active', 'stopped'],
  confirm_resize: ['resized'],
  revert_resize: ['resized'],
  live_migrate: ['active'],
  pause: ['active', 'rescued'],
  unpause: ['paused'],
  suspend: ['active', 'rescued'],
  resume: ['suspended'],
  rescue: ['active', 'stopped'],
  unrescue: ['rescued'],
  start: ['stopped'],
  stop: ['active', 'rescued', 'error'],
  snapshot: ['active', 'stopped', 'paused', 'suspended'],
  backup: ['active', 'stopped'],
  set_admin_password: ['active'],
  shelve: ['active', 'stopped', 'paused', 'suspended'],
  shelve_offload: ['shelved'],
  unshelve: ['shelved', 'shelved_offloaded'],
};

const UUID = '00000000-0000-4000-8000-000000000001';
const OPERATIONS = ACTION_NAMES.filter((a): a is Exclude<ActionName, 'create'> => a !== 'create');

/** How one run of an action ends: after how many of its steps, and with which outcome. */
interface Plan {
  action: Exclude<ActionName, 'create'> | 'create';
  outcome: 'success' | 'failure' | 'alternative';
  stepsDone: number;
  alternative: number;
  reschedules: number;
}

const planArb = (action: fc.Arbitrary<Plan['action']>): fc.Arbitrary<Plan> =>
  fc.record({
    action,
    outcome: fc.constantFrom<Plan['outcome']>('success', 'failure', 'alternative'),
    stepsDone: fc.nat({ max: 5 }),
    alternative: fc.nat({ max: 3 }),
    reschedules: fc.nat({ max: 2 }),
  });

/** The phases an action goes through after its API write, under a plan. */
function phasesOf(plan: Plan): Phase[] {
  const spec = TRANSITIONS[plan.action];
  const steps = spec.steps.map((s) => s.name);
  const alternatives = Object.entries(spec.alternatives);
  const phases: Phase[] = [];
  const finals = alternatives.filter(([, o]) => o.final).map(([n]) => n);
  const restarts = alternatives.filter(([, o]) => !o.final).map(([n]) => n);
  // A non-final alternative (build re-schedule) sends the instance back through the steps.
  for (let i = 0; i < plan.reschedules && restarts.length > 0; i++) {
    phases.push(...steps.slice(0, plan.stepsDone % (steps.length + 1)), restarts[i % restarts.length] as string);
  }
  if (plan.outcome === 'success') return [...phases, ...steps, 'success'];
  const done = steps.slice(0, plan.stepsDone % (steps.length + 1));
  if (plan.outcome === 'alternative' && finals.length > 0) {
    // An alternative ends the action at the stage its guard names (no_valid_host: while scheduling).
    const name = finals[plan.alternative % finals.length] as string;
    const guard = spec.alternatives[name]?.expectedTaskState;
    const taskAfter = (k: number): TaskState | null => (k === 0 ? (spec.start?.taskState ?? null) : (spec.steps[k - 1]?.taskState ?? null));
    const stages = [...Array(steps.length + 1).keys()].filter((k) => !guard || guard.includes(taskAfter(k)));
    if (stages.length > 0) return [...phases, ...steps.slice(0, stages[plan.stepsDone % stages.length]), name];
  }
  return [...phases, ...done, 'failure'];
}

function assertKnownStatus(instance: InstanceRef): void {
  assert.notEqual(statusFromState(instance.vm_state, instance.task_state), 'UNKNOWN');
}

describe('instance state machine (property)', () => {
  it('run one action at a time, never leaves a task behind and always rests in a final vm_state', () => {
    fc.assert(
      fc.property(
        planArb(fc.constant('create' as const)),
        fc.array(planArb(fc.constantFrom(...OPERATIONS)), { maxLength: 40 }),
        (create, plans) => {
          let instance: InstanceRef = applyTransition('create', 'start', { uuid: UUID, vm_state: 'building', task_state: null });
          for (const phase of phasesOf(create)) instance = applyTransition('create', phase, instance);
          assert.ok(isAtRest(instance));
          for (const plan of plans) {
            if (instance.vm_state === 'deleted') break;
            const action = plan.action as Exclude<ActionName, 'create'>;
            const specAllowed = SPEC_ALLOWED_VM[action];
            const allowedBySpec = specAllowed === 'any' || specAllowed.includes(instance.vm_state);
            const before = instance;
            let allowed = true;
            try {
              checkActionAllowed(action, instance);
            } catch (err) {
              assert.ok(err instanceof InstanceInvalidState);
              assert.equal(err.code, 409);
              allowed = false;
            }
            // At rest, only the vm_state decides, exactly as table A says.
            assert.equal(allowed, allowedBySpec, `${action} from ${instance.vm_state}`);
            if (!allowed) {
              assert.deepEqual(instance, before);
              continue;
            }
            if (TRANSITIONS[action].start) instance = applyTransition(action, 'start', instance);
            assertKnownStatus(instance);
            // Alone, every compare-and-swap of the chain must hold: applyTransition throws otherwise.
            for (const phase of phasesOf(plan)) {
              instance = applyTransition(action, phase, instance);
              assertKnownStatus(instance);
            }
            assert.equal(instance.task_state, null, `${action} left ${instance.task_state}`);
            assert.ok(FINAL_VM_STATES.includes(instance.vm_state), `${action} left vm_state ${instance.vm_state}`);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('with actions racing each other, the compare-and-swap guards still leave the instance at rest', () => {
    type Command = { kind: 'start'; plan: Plan } | { kind: 'advance'; pick: number };
    const commandArb: fc.Arbitrary<Command> = fc.oneof(
      planArb(fc.constantFrom(...OPERATIONS)).map((plan) => ({ kind: 'start' as const, plan })),
      fc.nat({ max: 7 }).map((pick) => ({ kind: 'advance' as const, pick })),
    );

    interface Op {
      id: number;
      action: ActionName;
      phases: Phase[];
    }

    fc.assert(
      fc.property(planArb(fc.constant('create' as const)), fc.array(commandArb, { maxLength: 60 }), (create, commands) => {
        let instance: InstanceRef = applyTransition('create', 'start', { uuid: UUID, vm_state: 'building', task_state: null });
        let gone = false;
        let nextId = 0;
        const inFlight: Op[] = [{ id: nextId++, action: 'create', phases: phasesOf(create) }];
        // The operation that last wrote a non-null task_state: the only one allowed to clear it.
        let owner: number | null = 0;

        const write = (op: Op, phase: Phase): boolean => {
          if (gone) return false;
          const before = instance;
          try {
            instance = applyTransition(op.action, phase, instance);
          } catch (err) {
            assert.ok(err instanceof UnexpectedTaskStateError, String(err));
            return false;
          }
          // Taking over another live operation's task is only for an API write that passed the
          // state check, a write whose guard names that task, or the delete that removes the row.
          const foreignOwner = before.task_state !== null && owner !== null && owner !== op.id && inFlight.some((o) => o.id === owner);
          if (foreignOwner && phase !== 'start' && instance.vm_state !== 'deleted') {
            assert.ok(transition(op.action, phase).expectedTaskState, `${op.action}.${phase} overwrote ${before.task_state} unguarded`);
          }
          owner = instance.task_state === null ? null : op.id;
          if (instance.vm_state === 'deleted') gone = true;
          assertKnownStatus(instance);
          return true;
        };

        const advance = (index: number): void => {
          const op = inFlight[index] as Op;
          const phase = op.phases.shift();
          // A write that loses its compare-and-swap ends the operation without touching the row.
          if (phase === undefined || !write(op, phase) || op.phases.length === 0) inFlight.splice(index, 1);
        };

        const checkOwnership = (): void => {
          if (gone || instance.task_state === null) return;
          assert.ok(owner !== null && inFlight.some((op) => op.id === owner), `task ${instance.task_state as TaskState} has no live owner`);
        };

        for (const command of commands) {
          if (command.kind === 'advance') {
            if (inFlight.length > 0) advance(command.pick % inFlight.length);
          } else if (!gone) {
            const action = command.plan.action;
            if (!isActionAllowed(action, instance)) {
              assert.throws(() => checkActionAllowed(action, instance), InstanceInvalidState);
            } else {
              const op: Op = { id: nextId++, action, phases: phasesOf(command.plan) };
              // The state check passed, so the API's own guarded write must hold too.
              if (TRANSITIONS[action].start) assert.ok(write(op, 'start'), `${action} start refused after its state check passed`);
              inFlight.push(op);
            }
          }
          checkOwnership();
        }
        while (inFlight.length > 0) {
          advance(0);
          checkOwnership();
        }
        if (!gone) {
          assert.equal(instance.task_state, null, `left task ${instance.task_state}`);
          assert.ok(FINAL_VM_STATES.includes(instance.vm_state), `left vm_state ${instance.vm_state}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
