/**
 * The compute manager's rebuild_instance (Grizzly's): the guest is destroyed and spawned
 * again from the new image, with the new admin password and files, through the rebuild
 * steps of the state table. A rebuilt STOPPED instance is powered off again. A failure
 * leaves the instance in ERROR with a fault.
 *
 * With `recreate` (evacuate) the instance comes from a host that is down: there is no guest
 * here to destroy (one already here is refused), the instance's host and node become this
 * host's, its networks are set up here, and the guest is spawned from its own image (on
 * shared storage, from the disk it left there, keeping its password).
 */
import { InstanceExists } from '../../common/errors.js';
import { PowerState } from '../../common/states/power-state.js';
import { VmState } from '../../common/states/vm-states.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import type { ImageMeta, InjectedFile } from '../../virt/types.js';
import type { RebuildInstanceRequest } from '../contract.js';
import { imageSourceFor } from '../image-source.js';
import { cachedNetworkInfo, runAction, transitionWithPower } from './actions.js';
import { InstanceRecreateNotSupported } from './errors.js';
import type { ComputeHost } from './host.js';
import { nodeHere, setupNetworkHere } from './host-move.js';

async function imageMeta(h: ComputeHost, ctx: RequestContext, imageRef: string): Promise<ImageMeta> {
  const source = imageSourceFor(h.images, ctx);
  return source ? source.show(imageRef) : { id: imageRef };
}

export async function rebuildInstance(h: ComputeHost, ctx: RequestContext, args: RebuildInstanceRequest): Promise<ConductorInstance> {
  const wasStopped = args.instance.vm_state === VmState.STOPPED;
  const action = args.recreate ? 'evacuate' : 'rebuild';
  let instance = args.instance;
  const image = await imageMeta(h, ctx, args.image_ref).catch(() => ({ id: args.image_ref }) as ImageMeta);
  const imageExtra = image.name ? { image_name: image.name } : {};
  await h.notifyUsage(ctx, instance, 'rebuild.start', { extra: imageExtra });
  const done = await runAction(
    h,
    ctx,
    instance,
    { method: 'rebuild_instance', action, args: { image_ref: args.image_ref, recreate: args.recreate } },
    async () => {
      let networkInfo = cachedNetworkInfo(instance);
      if (args.recreate) {
        if (!h.driver.capabilities.supports_recreate) throw new InstanceRecreateNotSupported();
        const name = h.virt(instance).name;
        if (await h.driver.instanceExists(name)) throw new InstanceExists(`Instance ${name} already exists.`, { kwargs: { name } });
        instance = await h.transition(ctx, instance, action, 'rebuilding', {
          host: h.host,
          node: await nodeHere(h),
          power_state: PowerState.NOSTATE,
        });
        networkInfo = await setupNetworkHere(h, ctx, instance);
      } else {
        instance = await transitionWithPower(h, ctx, instance, action, 'rebuilding');
        await h.driver.destroy(h.virt(instance), networkInfo, null, !args.preserve_ephemeral);
      }
      instance = await h.transition(ctx, instance, action, 'rebuild_block_device_mapping');
      instance = await h.transition(ctx, instance, action, 'rebuild_spawning');
      const files: InjectedFile[] = args.injected_files.map(([path, contents]) => ({ path, contents: Buffer.from(contents, 'latin1') }));
      const images = imageSourceFor(h.images, ctx);
      await h.driver.spawn(h.virt(instance), image, files, args.new_pass, networkInfo, null, images ? { images } : {});
      if (wasStopped) await h.driver.powerOff(h.virt(instance));
      return transitionWithPower(h, ctx, instance, action, 'success', { launched_at: new Date() });
    },
  );
  await h.notifyUsage(ctx, done, 'rebuild.end', { networkInfo: cachedNetworkInfo(done), extra: imageExtra });
  return done;
}
