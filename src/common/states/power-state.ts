/**
 * power_state: the hypervisor's view of a guest, stored as an integer in
 * `instances.power_state` (nova/compute/power_state.py). Codes 2 and 5 are unused.
 */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
  BUILDING: 9,
} as const;

export type PowerState = (typeof PowerState)[keyof typeof PowerState];

export const ALL_POWER_STATES: readonly PowerState[] = Object.values(PowerState);

const DISPLAY_NAMES: Record<PowerState, string> = {
  0: 'pending',
  1: 'running',
  3: 'paused',
  4: 'shutdown',
  6: 'crashed',
  7: 'suspended',
  9: 'building',
};

export function isPowerState(value: unknown): value is PowerState {
  return typeof value === 'number' && (ALL_POWER_STATES as readonly number[]).includes(value);
}

/** The word Nova shows for a power state (EC2 and logs); unknown codes read as `pending`. */
export function powerStateName(state: number): string {
  return isPowerState(state) ? DISPLAY_NAMES[state] : 'pending';
}
