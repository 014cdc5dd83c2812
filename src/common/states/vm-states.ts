/**
 * vm_state: the stable, user-visible state of an instance, stored as these exact strings
 * in `instances.vm_state` (nova/compute/vm_states.py).
 */
export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  STOPPED: 'stopped',
  RESCUED: 'rescued',
  RESIZED: 'resized',
  SOFT_DELETED: 'soft-delete',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
  DELETED: 'deleted',
  ERROR: 'error',
} as const;

export type VmState = (typeof VmState)[keyof typeof VmState];

export const ALL_VM_STATES: readonly VmState[] = Object.values(VmState);

/**
 * States an instance may rest in with no task running. BUILDING is the only vm_state that
 * is transient by itself: an instance left there with nobody working on it is stuck.
 */
export const FINAL_VM_STATES: readonly VmState[] = ALL_VM_STATES.filter((s) => s !== VmState.BUILDING);

export function isVmState(value: unknown): value is VmState {
  return typeof value === 'string' && (ALL_VM_STATES as readonly string[]).includes(value);
}
