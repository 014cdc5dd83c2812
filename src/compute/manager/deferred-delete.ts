/**
 * The compute manager's half of deferred delete (Grizzly's soft_delete_instance and
 * restore_instance): the guest is powered off and kept while the instance is SOFT_DELETED,
 * and powered on again by a restore. A driver without soft delete or restore falls back to
 * power off / power on, as Grizzly's does.
 */
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { NotImplementedError } from '../../virt/errors.js';
import { cachedNetworkInfo, runAction, transitionWithPower } from './actions.js';
import type { ComputeHost } from './host.js';

export function softDeleteInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'soft_delete_instance', action: 'soft_delete', notify: 'soft_delete' }, async () => {
    try {
      await h.driver.softDelete(h.virt(instance));
    } catch (err) {
      if (!(err instanceof NotImplementedError)) throw err;
      await h.driver.powerOff(h.virt(instance));
    }
    return transitionWithPower(h, ctx, instance, 'soft_delete', 'success');
  });
}

export function restoreInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'restore_instance', action: 'restore', notify: 'restore' }, async () => {
    try {
      await h.driver.restore(h.virt(instance));
    } catch (err) {
      if (!(err instanceof NotImplementedError)) throw err;
      await h.driver.powerOn(h.virt(instance), cachedNetworkInfo(instance));
    }
    return transitionWithPower(h, ctx, instance, 'restore', 'success');
  });
}
