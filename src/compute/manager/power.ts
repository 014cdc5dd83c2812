/**
 * The compute manager's power actions (Grizzly's stop_instance, start_instance,
 * reboot_instance, pause/unpause_instance, suspend/resume_instance): one driver call each,
 * then the action's success state with the power state the hypervisor reports.
 */
import type { ActionName } from '../../common/states/transitions.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import type { RebootType } from '../../virt/types.js';
import { cachedNetworkInfo, runAction, transitionWithPower } from './actions.js';
import type { ComputeHost } from './host.js';

export function stopInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'stop_instance', action: 'stop', notify: 'power_off' }, async () => {
    await h.driver.powerOff(h.virt(instance));
    return transitionWithPower(h, ctx, instance, 'stop', 'success');
  });
}

export function startInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'start_instance', action: 'start', notify: 'power_on' }, async () => {
    await h.driver.powerOn(h.virt(instance), cachedNetworkInfo(instance));
    return transitionWithPower(h, ctx, instance, 'start', 'success');
  });
}

/**
 * A soft or hard reboot. A soft reboot the driver could not do is recorded as a fault and
 * the instance is still taken to be running (the state table's failure outcome), as in Grizzly.
 */
export function rebootInstance(
  h: ComputeHost,
  ctx: RequestContext,
  instance: ConductorInstance,
  rebootType: RebootType,
): Promise<ConductorInstance> {
  const action: ActionName = rebootType === 'HARD' ? 'reboot_hard' : 'reboot_soft';
  return runAction(
    h,
    ctx,
    instance,
    { method: 'reboot_instance', action, notify: 'reboot', args: { reboot_type: rebootType } },
    async () => {
      await h.driver.reboot(h.virt(instance), cachedNetworkInfo(instance), rebootType);
      return transitionWithPower(h, ctx, instance, action, 'success');
    },
  );
}

export function pauseInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'pause_instance', action: 'pause' }, async () => {
    await h.driver.pause(h.virt(instance));
    return transitionWithPower(h, ctx, instance, 'pause', 'success');
  });
}

export function unpauseInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'unpause_instance', action: 'unpause' }, async () => {
    await h.driver.unpause(h.virt(instance));
    return transitionWithPower(h, ctx, instance, 'unpause', 'success');
  });
}

/** Grizzly announces a suspend and a resume with one event each, after the fact. */
export function suspendInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'suspend_instance', action: 'suspend' }, async () => {
    await h.driver.suspend(h.virt(instance));
    const done = await transitionWithPower(h, ctx, instance, 'suspend', 'success');
    await h.notifyUsage(ctx, done, 'suspend');
    return done;
  });
}

export function resumeInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'resume_instance', action: 'resume' }, async () => {
    await h.driver.resume(h.virt(instance), cachedNetworkInfo(instance));
    const done = await transitionWithPower(h, ctx, instance, 'resume', 'success');
    await h.notifyUsage(ctx, done, 'resume');
    return done;
  });
}
