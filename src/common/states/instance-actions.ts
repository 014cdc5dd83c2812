/** Names of the rows recorded in `instance_actions` (nova/compute/instance_actions.py). */
export const InstanceAction = {
  CREATE: 'create',
  DELETE: 'delete',
  EVACUATE: 'evacuate',
  RESTORE: 'restore',
  STOP: 'stop',
  START: 'start',
  REBOOT: 'reboot',
  REBUILD: 'rebuild',
  REVERT_RESIZE: 'revertResize',
  CONFIRM_RESIZE: 'confirmResize',
  RESIZE: 'resize',
  PAUSE: 'pause',
  UNPAUSE: 'unpause',
  SUSPEND: 'suspend',
  RESUME: 'resume',
  RESCUE: 'rescue',
  UNRESCUE: 'unrescue',
  CHANGE_PASSWORD: 'changePassword',
  SHELVE: 'shelve',
  SHELVE_OFFLOAD: 'shelveOffload',
  UNSHELVE: 'unshelve',
} as const;

export type InstanceAction = (typeof InstanceAction)[keyof typeof InstanceAction];
