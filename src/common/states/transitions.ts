import { InstanceInvalidState, UnexpectedTaskStateError } from '../errors.js';
import { InstanceAction } from './instance-actions.js';
import { TaskState } from './task-states.js';
import { FINAL_VM_STATES, VmState } from './vm-states.js';

/**
 * The instance state machine as one explicit table, in two halves: what the compute
 * API accepts and writes before its RPC (nova/compute/api.py's check_instance_state
 * guards) and what the compute manager writes while it works, on success and on failure
 * (nova/compute/manager.py).
 *
 * Every write names the task_states it assumes (`expectedTaskState`): the database applies
 * it only while the instance still has one of them, so an actor that lost a race stops
 * instead of overwriting the winner. Where Grizzly left a write unguarded or left a task
 * behind on failure, this table chooses the guarded, final alternative:
 *  - every failure ends with task_state null, guarded by the task_states the action itself
 *    set, so a failing action never clears a task another action has taken over;
 *  - a failed delete ends in ERROR rather than staying `deleting`;
 *  - a soft reboot is accepted only with no task running, so the state check and the
 *    compare-and-swap of the API write agree (Grizzly accepted more, then failed the write).
 */

export type ExpectedTaskStates = readonly (TaskState | null)[];

export interface StateWrite {
  /** vm_state to write; absent leaves it as it is. */
  readonly vmState?: VmState;
  /** Overrides of `vmState`, keyed by the vm_state the instance has when the write happens. */
  readonly vmStateWhen?: Readonly<Partial<Record<VmState, VmState>>>;
  readonly taskState: TaskState | null;
  /** The write applies only while task_state is one of these; absent means unconditional. */
  readonly expectedTaskState?: ExpectedTaskStates;
}

export interface Step extends StateWrite {
  readonly name: string;
}

export interface Outcome extends StateWrite {
  /** False for an outcome that hands the instance back to an earlier stage (a build re-schedule). */
  readonly final: boolean;
}

export interface ActionSpec {
  readonly name: ActionName;
  /** The name the API uses for the action in its 409 message. */
  readonly apiName: string;
  /** The `instance_actions` row recorded for it, if any. */
  readonly instanceAction: InstanceAction | null;
  /** Refused for a locked instance unless the caller is an admin. */
  readonly checksLock: boolean;
  /** Refused (InstanceNotReady) while the instance has no host. */
  readonly checksHost: boolean;
  /** Accepted vm_states, or 'any'. Not consulted for `create`, which makes the instance. */
  readonly allowedVmStates: readonly VmState[] | 'any';
  /** Accepted task_states, or 'any'. */
  readonly allowedTaskStates: ExpectedTaskStates | 'any';
  /** What the API writes before its RPC; null when the API changes no state. */
  readonly start: StateWrite | null;
  /** What the manager writes on its way, in order. */
  readonly steps: readonly Step[];
  readonly success: Outcome;
  readonly failure: Outcome;
  /** Other ways an action can end, by name (e.g. `no_valid_host`). */
  readonly alternatives: Readonly<Record<string, Outcome>>;
}

export const ACTION_NAMES = [
  'create',
  'delete',
  'soft_delete',
  'force_delete',
  'restore',
  'reboot_soft',
  'reboot_hard',
  'rebuild',
  'evacuate',
  'resize',
  'migrate',
  'confirm_resize',
  'revert_resize',
  'live_migrate',
  'pause',
  'unpause',
  'suspend',
  'resume',
  'rescue',
  'unrescue',
  'start',
  'stop',
  'snapshot',
  'backup',
  'set_admin_password',
  'shelve',
  'shelve_offload',
  'unshelve',
] as const;

export type ActionName = (typeof ACTION_NAMES)[number];

/** `start`, `success`, `failure`, a step name, or an alternative outcome's name. */
export type Phase = 'start' | 'success' | 'failure' | (string & {});

const T = TaskState;
const V = VmState;
const IDLE: ExpectedTaskStates = [null];

interface Row {
  apiName: string;
  instanceAction: InstanceAction | null;
  lock: boolean;
  host?: boolean;
  vm: readonly VmState[] | 'any';
  task: ExpectedTaskStates | 'any';
  start: StateWrite | null;
  steps?: Step[];
  success: StateWrite;
  /** Defaults to: vm_state unchanged, task_state null, guarded by the action's own task_states. */
  failure?: Omit<StateWrite, 'taskState'>;
  alternatives?: Record<string, StateWrite & { final?: boolean }>;
}

/** A simple action: one task_state set by the API, cleared by the manager. */
function simple(
  apiName: string,
  instanceAction: InstanceAction | null,
  vm: readonly VmState[],
  task: TaskState,
  successVm: VmState | undefined,
  extra: Partial<Row> = {},
): Row {
  return {
    apiName,
    instanceAction,
    lock: true,
    vm,
    task: IDLE,
    start: { taskState: task, expectedTaskState: IDLE },
    success: { ...(successVm ? { vmState: successVm } : {}), taskState: null, expectedTaskState: [task] },
    ...extra,
  };
}

const REBUILD_STEPS: Step[] = [
  { name: 'rebuilding', taskState: T.REBUILDING, expectedTaskState: [T.REBUILDING] },
  { name: 'rebuild_block_device_mapping', taskState: T.REBUILD_BLOCK_DEVICE_MAPPING, expectedTaskState: [T.REBUILDING] },
  { name: 'rebuild_spawning', taskState: T.REBUILD_SPAWNING, expectedTaskState: [T.REBUILD_BLOCK_DEVICE_MAPPING] },
];

const REBUILD_SUCCESS: StateWrite = {
  vmState: V.ACTIVE,
  // A rebuilt STOPPED instance is stopped again before the action ends.
  vmStateWhen: { [V.STOPPED]: V.STOPPED },
  taskState: null,
  expectedTaskState: [T.REBUILD_SPAWNING],
};

const RESIZE_ROW = (apiName: string): Row => ({
  apiName,
  instanceAction: InstanceAction.RESIZE,
  lock: true,
  vm: [V.ACTIVE, V.STOPPED],
  task: IDLE,
  start: { taskState: T.RESIZE_PREP, expectedTaskState: IDLE },
  steps: [
    { name: 'resize_migrating', taskState: T.RESIZE_MIGRATING, expectedTaskState: [T.RESIZE_PREP] },
    { name: 'resize_migrated', taskState: T.RESIZE_MIGRATED, expectedTaskState: [T.RESIZE_MIGRATING] },
    { name: 'resize_finish', taskState: T.RESIZE_FINISH, expectedTaskState: [T.RESIZE_MIGRATED] },
  ],
  success: { vmState: V.RESIZED, taskState: null, expectedTaskState: [T.RESIZE_FINISH] },
  failure: { vmState: V.ERROR },
  alternatives: {
    // The scheduler found no host: the instance goes back to ACTIVE even if it was stopped.
    no_valid_host: { vmState: V.ACTIVE, taskState: null, expectedTaskState: [T.RESIZE_PREP] },
    // Nothing left the source yet (prep_resize, migrate_disk_and_power_off failed): it stays where it was.
    source_failure: { vmState: V.ACTIVE, taskState: null },
  },
});

const SNAPSHOT_ROW = (apiName: string, task: TaskState, vm: readonly VmState[]): Row => ({
  apiName,
  instanceAction: null,
  lock: false,
  vm,
  task: IDLE,
  start: { taskState: task, expectedTaskState: IDLE },
  steps: [
    { name: 'image_pending_upload', taskState: T.IMAGE_PENDING_UPLOAD, expectedTaskState: [task] },
    { name: 'image_uploading', taskState: T.IMAGE_UPLOADING, expectedTaskState: [T.IMAGE_PENDING_UPLOAD] },
  ],
  success: { taskState: null, expectedTaskState: [T.IMAGE_UPLOADING] },
});

const ROWS: Record<ActionName, Row> = {
  create: {
    apiName: 'create',
    instanceAction: InstanceAction.CREATE,
    lock: false,
    vm: 'any',
    task: 'any',
    // The API inserts the row in this state; there is nothing to guard yet.
    start: { vmState: V.BUILDING, taskState: T.SCHEDULING },
    steps: [
      { name: 'start_building', vmState: V.BUILDING, taskState: null, expectedTaskState: [T.SCHEDULING, null] },
      { name: 'networking', vmState: V.BUILDING, taskState: T.NETWORKING, expectedTaskState: IDLE },
      { name: 'block_device_mapping', vmState: V.BUILDING, taskState: T.BLOCK_DEVICE_MAPPING, expectedTaskState: [T.NETWORKING] },
      { name: 'spawning', vmState: V.BUILDING, taskState: T.SPAWNING, expectedTaskState: [T.BLOCK_DEVICE_MAPPING] },
    ],
    success: { vmState: V.ACTIVE, taskState: null, expectedTaskState: [T.SPAWNING] },
    failure: { vmState: V.ERROR },
    alternatives: {
      // The compute host failed the build and retry information allows another host.
      rescheduled: { vmState: V.BUILDING, taskState: T.SCHEDULING, final: false },
    },
  },
  delete: {
    apiName: 'delete',
    instanceAction: InstanceAction.DELETE,
    lock: true,
    vm: 'any',
    task: 'any',
    // Delete wins over whatever else is going on, so neither write is guarded.
    start: { taskState: T.DELETING },
    success: { vmState: V.DELETED, taskState: null },
    failure: { vmState: V.ERROR },
  },
  soft_delete: {
    apiName: 'delete',
    instanceAction: InstanceAction.DELETE,
    lock: true,
    vm: 'any',
    task: 'any',
    start: { taskState: T.SOFT_DELETING },
    success: { vmState: V.SOFT_DELETED, taskState: null, expectedTaskState: [T.SOFT_DELETING] },
    failure: { vmStateWhen: { [V.BUILDING]: V.ERROR } },
  },
  force_delete: {
    apiName: 'forceDelete',
    instanceAction: InstanceAction.DELETE,
    lock: true,
    vm: [V.SOFT_DELETED],
    task: IDLE,
    start: { taskState: T.DELETING },
    success: { vmState: V.DELETED, taskState: null },
    failure: { vmState: V.ERROR },
  },
  restore: simple('restore', InstanceAction.RESTORE, [V.SOFT_DELETED], T.RESTORING, V.ACTIVE),
  reboot_soft: {
    apiName: 'reboot',
    instanceAction: InstanceAction.REBOOT,
    lock: true,
    vm: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED],
    task: IDLE,
    start: { taskState: T.REBOOTING, expectedTaskState: IDLE },
    success: { vmState: V.ACTIVE, taskState: null, expectedTaskState: [T.REBOOTING] },
    // A driver error is recorded as a fault; the instance is still taken to be running.
    failure: { vmState: V.ACTIVE },
  },
  reboot_hard: {
    apiName: 'reboot',
    instanceAction: InstanceAction.REBOOT,
    lock: true,
    vm: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED],
    task: [null, T.REBOOTING, T.RESUMING, T.UNPAUSING, T.PAUSING, T.SUSPENDING],
    start: { taskState: T.REBOOTING_HARD, expectedTaskState: [null, T.REBOOTING, T.RESUMING, T.UNPAUSING, T.PAUSING, T.SUSPENDING] },
    success: { vmState: V.ACTIVE, taskState: null, expectedTaskState: [T.REBOOTING_HARD] },
    failure: { vmState: V.ACTIVE },
  },
  rebuild: {
    apiName: 'rebuild',
    instanceAction: InstanceAction.REBUILD,
    lock: true,
    vm: [V.ACTIVE, V.STOPPED],
    task: IDLE,
    start: { taskState: T.REBUILDING, expectedTaskState: IDLE },
    steps: REBUILD_STEPS,
    success: REBUILD_SUCCESS,
    failure: { vmState: V.ERROR },
  },
  evacuate: {
    apiName: 'evacuate',
    instanceAction: InstanceAction.EVACUATE,
    lock: false,
    vm: [V.ACTIVE, V.STOPPED],
    task: IDLE,
    start: { taskState: T.REBUILDING, expectedTaskState: IDLE },
    steps: REBUILD_STEPS,
    success: REBUILD_SUCCESS,
    failure: { vmState: V.ERROR },
  },
  resize: RESIZE_ROW('resize'),
  migrate: RESIZE_ROW('migrate'),
  confirm_resize: {
    apiName: 'confirmResize',
    instanceAction: InstanceAction.CONFIRM_RESIZE,
    lock: true,
    vm: [V.RESIZED],
    task: IDLE,
    start: null,
    // `deleting`: a delete of a resized instance confirms the resize first.
    success: { vmState: V.ACTIVE, taskState: null, expectedTaskState: [null, T.DELETING] },
    failure: { vmState: V.ERROR, expectedTaskState: IDLE },
  },
  revert_resize: simple('revertResize', InstanceAction.REVERT_RESIZE, [V.RESIZED], T.RESIZE_REVERTING, V.ACTIVE, {
    failure: { vmState: V.ERROR },
  }),
  live_migrate: {
    apiName: 'os-migrateLive',
    instanceAction: null,
    lock: false,
    vm: [V.ACTIVE],
    task: IDLE,
    start: { taskState: T.MIGRATING, expectedTaskState: IDLE },
    success: { vmState: V.ACTIVE, taskState: null, expectedTaskState: [T.MIGRATING] },
    // Pre-check failures and compute roll-back leave the instance running where it was.
    failure: { vmState: V.ACTIVE },
    alternatives: {
      error: { vmState: V.ERROR, taskState: null, expectedTaskState: [T.MIGRATING] },
    },
  },
  pause: simple('pause', InstanceAction.PAUSE, [V.ACTIVE, V.RESCUED], T.PAUSING, V.PAUSED),
  unpause: simple('unpause', InstanceAction.UNPAUSE, [V.PAUSED], T.UNPAUSING, V.ACTIVE),
  suspend: simple('suspend', InstanceAction.SUSPEND, [V.ACTIVE, V.RESCUED], T.SUSPENDING, V.SUSPENDED, {
    failure: { vmState: V.ERROR },
  }),
  resume: simple('resume', InstanceAction.RESUME, [V.SUSPENDED], T.RESUMING, V.ACTIVE),
  rescue: simple('rescue', InstanceAction.RESCUE, [V.ACTIVE, V.STOPPED], T.RESCUING, V.RESCUED, {
    failure: { vmState: V.ERROR },
  }),
  unrescue: simple('unrescue', InstanceAction.UNRESCUE, [V.RESCUED], T.UNRESCUING, V.ACTIVE, {
    failure: { vmState: V.ERROR },
  }),
  start: simple('start', InstanceAction.START, [V.STOPPED], T.POWERING_ON, V.ACTIVE, {
    host: true,
    success: { vmState: V.ACTIVE, taskState: null, expectedTaskState: [T.POWERING_ON, T.STARTING] },
  }),
  stop: simple('stop', InstanceAction.STOP, [V.ACTIVE, V.RESCUED, V.ERROR], T.POWERING_OFF, V.STOPPED, {
    host: true,
    success: { vmState: V.STOPPED, taskState: null, expectedTaskState: [T.POWERING_OFF, T.STOPPING] },
  }),
  snapshot: SNAPSHOT_ROW('createImage', T.IMAGE_SNAPSHOT, [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED]),
  backup: SNAPSHOT_ROW('createBackup', T.IMAGE_BACKUP, [V.ACTIVE, V.STOPPED]),
  set_admin_password: simple('changePassword', InstanceAction.CHANGE_PASSWORD, [V.ACTIVE], T.UPDATING_PASSWORD, undefined, {
    alternatives: {
      // The driver failed in a way that leaves the guest's password unknown.
      error: { vmState: V.ERROR, taskState: null, expectedTaskState: [T.UPDATING_PASSWORD] },
    },
  }),
  // Shelving (nova/compute/api.py and manager.py of Havana): a failure leaves the vm_state as it was.
  shelve: {
    apiName: 'shelve',
    instanceAction: InstanceAction.SHELVE,
    lock: true,
    vm: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED],
    task: IDLE,
    start: { taskState: T.SHELVING, expectedTaskState: IDLE },
    steps: [
      { name: 'image_pending_upload', taskState: T.SHELVING_IMAGE_PENDING_UPLOAD, expectedTaskState: [T.SHELVING] },
      { name: 'image_uploading', taskState: T.SHELVING_IMAGE_UPLOADING, expectedTaskState: [T.SHELVING_IMAGE_PENDING_UPLOAD] },
    ],
    success: { vmState: V.SHELVED, taskState: null, expectedTaskState: [T.SHELVING_IMAGE_UPLOADING] },
  },
  shelve_offload: simple('shelveOffload', InstanceAction.SHELVE_OFFLOAD, [V.SHELVED], T.SHELVING_OFFLOADING, V.SHELVED_OFFLOADED),
  unshelve: {
    apiName: 'unshelve',
    instanceAction: InstanceAction.UNSHELVE,
    lock: true,
    host: false,
    vm: [V.SHELVED, V.SHELVED_OFFLOADED],
    task: IDLE,
    start: { taskState: T.UNSHELVING, expectedTaskState: IDLE },
    steps: [{ name: 'spawning', taskState: T.SPAWNING, expectedTaskState: [T.UNSHELVING] }],
    success: { vmState: V.ACTIVE, taskState: null, expectedTaskState: [T.UNSHELVING, T.SPAWNING] },
  },
};

/** The task_states an action itself may leave on the instance (what its own failure may clear). */
function ownTaskStates(row: Row): ExpectedTaskStates {
  const own = new Set<TaskState | null>();
  if (row.start) own.add(row.start.taskState);
  else own.add(null);
  for (const step of row.steps ?? []) own.add(step.taskState);
  return [...own];
}

function build(name: ActionName, row: Row): ActionSpec {
  const alternatives: Record<string, Outcome> = {};
  for (const [key, alt] of Object.entries(row.alternatives ?? {})) {
    const { final, ...write } = alt;
    alternatives[key] = { ...write, expectedTaskState: write.expectedTaskState ?? ownTaskStates(row), final: final ?? true };
  }
  return {
    name,
    apiName: row.apiName,
    instanceAction: row.instanceAction,
    checksLock: row.lock,
    checksHost: row.host ?? false,
    allowedVmStates: row.vm,
    allowedTaskStates: row.task,
    start: row.start,
    steps: row.steps ?? [],
    success: { ...row.success, final: true },
    failure: { ...row.failure, taskState: null, expectedTaskState: row.failure?.expectedTaskState ?? ownTaskStates(row), final: true },
    alternatives,
  };
}

export const TRANSITIONS: Readonly<Record<ActionName, ActionSpec>> = Object.fromEntries(
  ACTION_NAMES.map((name) => [name, build(name, ROWS[name])]),
) as Record<ActionName, ActionSpec>;

export function isActionName(value: string): value is ActionName {
  return (ACTION_NAMES as readonly string[]).includes(value);
}

export function actionSpec(action: ActionName): ActionSpec {
  return TRANSITIONS[action];
}

/** The action a reboot of this type is (`type` as the API accepts it, any case). */
export function rebootAction(type: string): 'reboot_soft' | 'reboot_hard' {
  return type.toUpperCase() === 'HARD' ? 'reboot_hard' : 'reboot_soft';
}

/** The state fields of an instance the state machine reads. */
export interface InstanceStateFields {
  readonly vm_state: VmState;
  readonly task_state: TaskState | null;
}

export interface InstanceRef extends InstanceStateFields {
  readonly uuid: string;
}

/**
 * Throws InstanceInvalidState (409) unless the action may start from the instance's state.
 * vm_state is checked before task_state, and the message names the one that failed.
 */
export function checkActionAllowed(action: ActionName, instance: InstanceRef): void {
  const spec = TRANSITIONS[action];
  if (spec.allowedVmStates !== 'any' && !spec.allowedVmStates.includes(instance.vm_state)) {
    throw invalidState(spec, instance, 'vm_state', instance.vm_state);
  }
  if (spec.allowedTaskStates !== 'any' && !spec.allowedTaskStates.includes(instance.task_state)) {
    throw invalidState(spec, instance, 'task_state', instance.task_state);
  }
}

export function isActionAllowed(action: ActionName, instance: InstanceStateFields): boolean {
  const spec = TRANSITIONS[action];
  return (
    (spec.allowedVmStates === 'any' || spec.allowedVmStates.includes(instance.vm_state)) &&
    (spec.allowedTaskStates === 'any' || spec.allowedTaskStates.includes(instance.task_state))
  );
}

function invalidState(
  spec: ActionSpec,
  instance: InstanceRef,
  attr: 'vm_state' | 'task_state',
  state: string | null,
): InstanceInvalidState {
  const shown = state ?? 'None';
  return new InstanceInvalidState(`Cannot '${spec.apiName}' instance ${instance.uuid} while it is in ${attr} ${shown}`, {
    kwargs: { attr, state: shown, method: spec.apiName, instance_uuid: instance.uuid },
  });
}

/** The write an action makes at one phase. Throws on a phase the action does not have. */
export function transition(action: ActionName, phase: Phase): StateWrite {
  const spec = TRANSITIONS[action];
  let write: StateWrite | null | undefined;
  if (phase === 'start') write = spec.start;
  else if (phase === 'success') write = spec.success;
  else if (phase === 'failure') write = spec.failure;
  else write = spec.steps.find((s) => s.name === phase) ?? spec.alternatives[phase];
  if (!write) throw new Error(`action ${action} has no ${phase} transition`);
  return write;
}

/** The columns to write and the compare-and-swap guard, in the shape the instance update takes. */
export interface StateUpdate {
  readonly updates: { vm_state?: VmState; task_state: TaskState | null };
  readonly expectedTaskState?: ExpectedTaskStates;
}

/** Resolves a phase's write against the instance's current vm_state. */
export function stateUpdate(action: ActionName, phase: Phase, current: Pick<InstanceStateFields, 'vm_state'>): StateUpdate {
  const write = transition(action, phase);
  const vmState = write.vmStateWhen?.[current.vm_state] ?? write.vmState;
  return {
    updates: { ...(vmState ? { vm_state: vmState } : {}), task_state: write.taskState },
    ...(write.expectedTaskState ? { expectedTaskState: write.expectedTaskState } : {}),
  };
}

/** Whether a guarded write may apply to an instance whose task_state is `actual`. */
export function expectedTaskStateMatches(expected: ExpectedTaskStates | undefined, actual: TaskState | null): boolean {
  return expected === undefined || expected.includes(actual);
}

export function unexpectedTaskState(uuid: string, expected: ExpectedTaskStates, actual: TaskState | null): UnexpectedTaskStateError {
  const show = (s: TaskState | null): string => s ?? 'None';
  return new UnexpectedTaskStateError(
    `Conflict updating instance ${uuid}. Expected: {'task_state': [${expected.map(show).join(', ')}]}. Actual: {'task_state': ${show(actual)}}`,
    { kwargs: { instance_uuid: uuid, expected: expected.map(show), actual: show(actual) } },
  );
}

/**
 * The instance after one phase of an action, as the database would leave it: the guard is
 * checked (UnexpectedTaskStateError when it fails) and the columns are replaced.
 */
export function applyTransition<I extends InstanceRef>(action: ActionName, phase: Phase, instance: I): I {
  const { updates, expectedTaskState } = stateUpdate(action, phase, instance);
  if (!expectedTaskStateMatches(expectedTaskState, instance.task_state)) {
    throw unexpectedTaskState(instance.uuid, expectedTaskState ?? [], instance.task_state);
  }
  return { ...instance, ...updates };
}

/** Whether an instance rests in a final state: nothing running and a stable vm_state. */
export function isAtRest(instance: InstanceStateFields): boolean {
  return instance.task_state === null && FINAL_VM_STATES.includes(instance.vm_state);
}
