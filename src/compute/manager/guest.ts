/**
 * The compute manager's actions on a guest that leave its power alone or put it in rescue
 * (Grizzly's rescue/unrescue_instance, set_admin_password, inject_network_info,
 * reset_network, get_console_output, get_diagnostics).
 */
import { PowerState } from '../../common/states/power-state.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { InstancePasswordSetFailed, NotImplementedError } from '../../virt/errors.js';
import type { ImageMeta } from '../../virt/types.js';
import { imageSourceFor } from '../image-source.js';
import { cachedNetworkInfo, currentPowerState, runAction, transitionWithPower } from './actions.js';
import type { ComputeHost } from './host.js';

/** The image a rescue boots: the one the instance was first built from, else its current one. */
async function rescueImage(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ImageMeta> {
  const imageRef = instance.system_metadata?.image_base_image_ref || instance.image_ref || '';
  const source = imageSourceFor(h.images, ctx);
  if (!source || !imageRef) return { id: imageRef };
  return source.show(imageRef);
}

export function rescueInstance(
  h: ComputeHost,
  ctx: RequestContext,
  instance: ConductorInstance,
  password: string,
): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'rescue_instance', action: 'rescue' }, async () => {
    const image = await rescueImage(h, ctx, instance);
    const images = imageSourceFor(h.images, ctx);
    await h.driver.rescue(h.virt(instance), cachedNetworkInfo(instance), image, password, images ? { images } : {});
    return transitionWithPower(h, ctx, instance, 'rescue', 'success', { launched_at: new Date() });
  });
}

export function unrescueInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(h, ctx, instance, { method: 'unrescue_instance', action: 'unrescue' }, async () => {
    await h.driver.unrescue(h.virt(instance), cachedNetworkInfo(instance));
    return transitionWithPower(h, ctx, instance, 'unrescue', 'success');
  });
}

/**
 * Sets the guest's admin password. A guest that is not running or a driver that cannot set
 * passwords leaves the instance as it was; any other driver failure leaves the password
 * unknown, so the instance goes to ERROR (Grizzly's set_admin_password).
 */
export async function setAdminPassword(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance, password: string): Promise<void> {
  const uuid = instance.uuid as string;
  const passwordUnknown = new Set<unknown>();
  await runAction(
    h,
    ctx,
    instance,
    {
      method: 'set_admin_password',
      action: 'set_admin_password',
      failureOutcome: (err) => (passwordUnknown.has(err) ? 'error' : 'failure'),
    },
    async () => {
      if ((await currentPowerState(h, instance)) !== PowerState.RUNNING) {
        throw new InstancePasswordSetFailed(uuid, 'the instance is not running');
      }
      try {
        await h.driver.setAdminPassword(h.virt(instance), password);
      } catch (err) {
        if (err instanceof NotImplementedError) throw err;
        const failed = new InstancePasswordSetFailed(uuid, err instanceof Error ? err.message : String(err));
        passwordUnknown.add(failed);
        throw failed;
      }
      return h.transition(ctx, instance, 'set_admin_password', 'success');
    },
  );
}

export async function injectNetworkInfo(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<void> {
  await runAction(h, ctx, instance, { method: 'inject_network_info', action: null, event: false }, async () => {
    await h.driver.injectNetworkInfo(h.virt(instance), cachedNetworkInfo(instance));
    return instance;
  });
}

export async function resetNetwork(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<void> {
  await runAction(h, ctx, instance, { method: 'reset_network', action: null, event: false }, async () => {
    await h.driver.resetNetwork(h.virt(instance));
    return instance;
  });
}

/**
 * The guest's console log, or its last `tailLength` pieces between newlines, as Grizzly's
 * _tail_log cuts it (a log ending in a newline counts the empty piece after it, so the
 * answer splits into exactly `tailLength` pieces, which Tempest counts).
 */
export async function consoleOutput(h: ComputeHost, instance: ConductorInstance, tailLength: number | null): Promise<string> {
  const output = await h.driver.getConsoleOutput(h.virt(instance));
  if (tailLength === null) return output;
  if (tailLength <= 0) return '';
  return output.split('\n').slice(-tailLength).join('\n');
}

/** The driver's counters while the guest runs; null otherwise, as Grizzly answers. */
export async function diagnostics(h: ComputeHost, instance: ConductorInstance): Promise<Record<string, number> | null> {
  if ((await currentPowerState(h, instance)) !== PowerState.RUNNING) return null;
  return h.driver.getDiagnostics(h.virt(instance));
}
