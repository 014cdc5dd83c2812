import { TaskState } from './task-states.js';
import { VmState } from './vm-states.js';

/**
 * The API `status` of a server is derived from (vm_state, task_state): each vm_state has a
 * default status and a few task_states that override it. This is today's Nova table, which
 * today's clients expect at microversion 2.1; it adds to Grizzly's the overrides on stopped,
 * paused and error instances, and shows soft-deleted servers as SOFT_DELETED instead of
 * DELETED.
 */
export const ServerStatus = {
  ACTIVE: 'ACTIVE',
  BUILD: 'BUILD',
  REBOOT: 'REBOOT',
  HARD_REBOOT: 'HARD_REBOOT',
  PASSWORD: 'PASSWORD',
  REBUILD: 'REBUILD',
  MIGRATING: 'MIGRATING',
  RESIZE: 'RESIZE',
  VERIFY_RESIZE: 'VERIFY_RESIZE',
  REVERT_RESIZE: 'REVERT_RESIZE',
  PAUSED: 'PAUSED',
  SUSPENDED: 'SUSPENDED',
  RESCUE: 'RESCUE',
  ERROR: 'ERROR',
  DELETED: 'DELETED',
  SOFT_DELETED: 'SOFT_DELETED',
  SHUTOFF: 'SHUTOFF',
  SHELVED: 'SHELVED',
  SHELVED_OFFLOADED: 'SHELVED_OFFLOADED',
  UNKNOWN: 'UNKNOWN',
} as const;

export type ServerStatus = (typeof ServerStatus)[keyof typeof ServerStatus];

interface StatusRule {
  readonly default: ServerStatus;
  readonly byTask: Partial<Record<TaskState, ServerStatus>>;
}

const RESIZING: Partial<Record<TaskState, ServerStatus>> = {
  [TaskState.RESIZE_PREP]: ServerStatus.RESIZE,
  [TaskState.RESIZE_MIGRATING]: ServerStatus.RESIZE,
  [TaskState.RESIZE_MIGRATED]: ServerStatus.RESIZE,
  [TaskState.RESIZE_FINISH]: ServerStatus.RESIZE,
};

const REBUILDING: Partial<Record<TaskState, ServerStatus>> = {
  [TaskState.REBUILDING]: ServerStatus.REBUILD,
  [TaskState.REBUILD_BLOCK_DEVICE_MAPPING]: ServerStatus.REBUILD,
  [TaskState.REBUILD_SPAWNING]: ServerStatus.REBUILD,
};

export const STATUS_TABLE: Readonly<Record<VmState, StatusRule>> = {
  [VmState.ACTIVE]: {
    default: ServerStatus.ACTIVE,
    byTask: {
      [TaskState.REBOOTING]: ServerStatus.REBOOT,
      [TaskState.REBOOTING_HARD]: ServerStatus.HARD_REBOOT,
      [TaskState.UPDATING_PASSWORD]: ServerStatus.PASSWORD,
      [TaskState.MIGRATING]: ServerStatus.MIGRATING,
      ...REBUILDING,
      ...RESIZING,
    },
  },
  [VmState.BUILDING]: { default: ServerStatus.BUILD, byTask: {} },
  [VmState.STOPPED]: { default: ServerStatus.SHUTOFF, byTask: { ...RESIZING, ...REBUILDING } },
  [VmState.RESIZED]: { default: ServerStatus.VERIFY_RESIZE, byTask: { [TaskState.RESIZE_REVERTING]: ServerStatus.REVERT_RESIZE } },
  [VmState.PAUSED]: { default: ServerStatus.PAUSED, byTask: { [TaskState.MIGRATING]: ServerStatus.MIGRATING } },
  [VmState.SUSPENDED]: { default: ServerStatus.SUSPENDED, byTask: {} },
  [VmState.RESCUED]: { default: ServerStatus.RESCUE, byTask: {} },
  [VmState.ERROR]: { default: ServerStatus.ERROR, byTask: { ...REBUILDING } },
  [VmState.DELETED]: { default: ServerStatus.DELETED, byTask: {} },
  [VmState.SOFT_DELETED]: { default: ServerStatus.SOFT_DELETED, byTask: {} },
  [VmState.SHELVED]: { default: ServerStatus.SHELVED, byTask: {} },
  [VmState.SHELVED_OFFLOADED]: { default: ServerStatus.SHELVED_OFFLOADED, byTask: {} },
};

/** The API status of a server; an unknown vm_state gives UNKNOWN. */
export function statusFromState(vmState: string | null | undefined, taskState: string | null | undefined): ServerStatus {
  const rule = vmState ? STATUS_TABLE[vmState as VmState] : undefined;
  if (!rule) return ServerStatus.UNKNOWN;
  if (taskState) {
    const override = rule.byTask[taskState as TaskState];
    if (override) return override;
  }
  return rule.default;
}

/**
 * What a `status` list filter selects. `taskStates` null means the task_state is not
 * filtered (a status that is some vm_state's default matches whatever that instance is
 * doing, as in today's Nova); empty `vmStates` means nothing can match.
 */
export interface StatusFilter {
  vmStates: VmState[];
  taskStates: TaskState[] | null;
}

/** Maps one or more status strings (any case, surrounding blanks ignored) back to states. */
export function stateFilterFromStatus(statuses: string | readonly string[]): StatusFilter {
  const wanted = new Set((typeof statuses === 'string' ? [statuses] : statuses).map((s) => s.trim().toUpperCase()));
  const vmStates = new Set<VmState>();
  const taskStates = new Set<TaskState>();
  let anyTask = false;
  for (const [vm, rule] of Object.entries(STATUS_TABLE) as [VmState, StatusRule][]) {
    if (wanted.has(rule.default)) {
      vmStates.add(vm);
      anyTask = true;
    }
    for (const [task, status] of Object.entries(rule.byTask) as [TaskState, ServerStatus][]) {
      if (wanted.has(status)) {
        vmStates.add(vm);
        taskStates.add(task);
      }
    }
  }
  return { vmStates: [...vmStates].sort(), taskStates: anyTask ? null : [...taskStates].sort() };
}
