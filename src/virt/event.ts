/** Hypervisor lifecycle events (nova/virt/event.py); the compute manager syncs power state on them. */
export const LifecycleTransition = {
  STARTED: 0,
  STOPPED: 1,
  PAUSED: 2,
  RESUMED: 3,
} as const;

export type LifecycleTransition = (typeof LifecycleTransition)[keyof typeof LifecycleTransition];

export interface LifecycleEvent {
  readonly uuid: string;
  readonly transition: LifecycleTransition;
  /** Seconds since the epoch, as Nova's event timestamps. */
  readonly timestamp: number;
}

export type EventListener = (event: LifecycleEvent) => void;

export function lifecycleEvent(uuid: string, transition: LifecycleTransition, now: number = Date.now()): LifecycleEvent {
  return { uuid, transition, timestamp: now / 1000 };
}
