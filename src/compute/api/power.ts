/**
 * compute.api stop, start, reboot, pause, unpause, suspend, resume: the guards and start
 * transition of actions.ts, then the cast to the instance's compute host.
 */
import { type ActionName, rebootAction } from '../../common/states/transitions.js';
import type { RequestContext } from '../../context/context.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import type { ComputeContract } from '../contract.js';
import { beginAction } from './actions.js';
import type { ComputeApiDeps } from './deps.js';

type InstanceCast =
  | 'stop_instance'
  | 'start_instance'
  | 'pause_instance'
  | 'unpause_instance'
  | 'suspend_instance'
  | 'resume_instance'
  | 'unrescue_instance';

const CASTS: Readonly<Record<string, InstanceCast>> = {
  stop: 'stop_instance',
  start: 'start_instance',
  pause: 'pause_instance',
  unpause: 'unpause_instance',
  suspend: 'suspend_instance',
  resume: 'resume_instance',
  unrescue: 'unrescue_instance',
} satisfies Partial<Record<ActionName, keyof ComputeContract['methods']>>;

export type SimpleAction = 'stop' | 'start' | 'pause' | 'unpause' | 'suspend' | 'resume' | 'unrescue';

/** An action whose RPC carries only the instance. */
export async function simpleAction(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  action: SimpleAction,
): Promise<void> {
  const started = await beginAction(deps, ctx, instance, action, action === 'stop' ? { updates: { progress: 0 } } : {});
  await deps.compute.cast(ctx, CASTS[action] as InstanceCast, { instance: started }, { server: started.host as string });
}

/** A SOFT or HARD reboot (`type` in any case). */
export async function reboot(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord, type: string): Promise<void> {
  const action = rebootAction(type);
  const started = await beginAction(deps, ctx, instance, action, { policy: 'compute:reboot' });
  await deps.compute.cast(
    ctx,
    'reboot_instance',
    { instance: started, block_device_info: null, reboot_type: action === 'reboot_hard' ? 'HARD' : 'SOFT' },
    { server: started.host as string },
  );
}
