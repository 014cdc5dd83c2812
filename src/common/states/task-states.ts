/**
 * task_state: what is being done to an instance right now, stored as these exact strings in
 * `instances.task_state`; NULL when nothing is (nova/compute/task_states.py).
 */
export const TaskState = {
  SCHEDULING: 'scheduling',
  BLOCK_DEVICE_MAPPING: 'block_device_mapping',
  NETWORKING: 'networking',
  SPAWNING: 'spawning',

  IMAGE_SNAPSHOT: 'image_snapshot',
  IMAGE_PENDING_UPLOAD: 'image_pending_upload',
  IMAGE_UPLOADING: 'image_uploading',
  IMAGE_BACKUP: 'image_backup',

  UPDATING_PASSWORD: 'updating_password',

  RESIZE_PREP: 'resize_prep',
  RESIZE_MIGRATING: 'resize_migrating',
  RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting',
  RESIZE_CONFIRMING: 'resize_confirming',

  REBOOTING: 'rebooting',
  REBOOTING_HARD: 'rebooting_hard',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  STOPPING: 'stopping',
  STARTING: 'starting',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',

  RESCUING: 'rescuing',
  UNRESCUING: 'unrescuing',

  REBUILDING: 'rebuilding',
  REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping',
  REBUILD_SPAWNING: 'rebuild_spawning',

  MIGRATING: 'migrating',

  DELETING: 'deleting',
  SOFT_DELETING: 'soft-deleting',
  RESTORING: 'restoring',

  SHELVING: 'shelving',
  SHELVING_IMAGE_PENDING_UPLOAD: 'shelving_image_pending_upload',
  SHELVING_IMAGE_UPLOADING: 'shelving_image_uploading',
  SHELVING_OFFLOADING: 'shelving_offloading',
  UNSHELVING: 'unshelving',
} as const;

export type TaskState = (typeof TaskState)[keyof typeof TaskState];

export const ALL_TASK_STATES: readonly TaskState[] = Object.values(TaskState);

export function isTaskState(value: unknown): value is TaskState {
  return typeof value === 'string' && (ALL_TASK_STATES as readonly string[]).includes(value);
}
