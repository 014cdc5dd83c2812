/**
 * StopInstances, StartInstances, RebootInstances (always a hard reboot, as Grizzly's
 * cloud.py asks) and GetConsoleOutput, through the compute API's server actions.
 */
import { getConsoleOutput } from '../../../compute/api/guest.js';
import type { InstanceRecord } from '../../../compute/api/index.js';
import { reboot, simpleAction } from '../../../compute/api/power.js';
import type { RequestContext } from '../../../context/context.js';
import { Ec2Error } from '../errors.js';
import { Ec2StateCode, ec2StateOf } from '../instance-state.js';
import type { Ec2Params } from '../params.js';
import type { Ec2Services } from '../services.js';
import type { XmlObject } from '../xml.js';
import { findInstances } from './instance-view.js';
import { defineEc2Actions } from './registry.js';

function instanceIds(params: Ec2Params): string[] {
  const ids = params.list('InstanceId');
  if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
  return ids;
}

/** The state right after the request: the task a stop or start set shows as AWS's stopping or pending. */
function stateNow(instance: InstanceRecord): XmlObject {
  if (instance.task_state === 'powering-off') return { code: Ec2StateCode.stopping, name: 'stopping' };
  if (instance.task_state === 'powering-on') return { code: Ec2StateCode.pending, name: 'pending' };
  return { ...ec2StateOf(instance.vm_state) };
}

async function powerAction(ctx: RequestContext, services: Ec2Services, params: Ec2Params, action: 'stop' | 'start'): Promise<XmlObject> {
  const ids = instanceIds(params);
  const instances = await findInstances(ctx, services, ids);
  const items: XmlObject[] = [];
  for (const [i, instance] of instances.entries()) {
    const previousState = { ...ec2StateOf(instance.vm_state) };
    await simpleAction(services.compute.deps, ctx, instance, action);
    const now = await services.compute.get(ctx, instance.uuid as string);
    items.push({ instanceId: ids[i], currentState: stateNow(now), previousState });
  }
  return { instancesSet: items };
}

export const instancePowerActions = defineEc2Actions('instance-power', {
  StopInstances: ({ ctx, params, services }) => powerAction(ctx, services, params, 'stop'),

  StartInstances: ({ ctx, params, services }) => powerAction(ctx, services, params, 'start'),

  async RebootInstances({ ctx, params, services }) {
    const instances = await findInstances(ctx, services, instanceIds(params));
    for (const instance of instances) await reboot(services.compute.deps, ctx, instance, 'HARD');
    return { return: true };
  },

  async GetConsoleOutput({ ctx, params, services }) {
    const ec2Id = params.get('InstanceId') ?? params.require('InstanceId.1');
    const [instance] = await findInstances(ctx, services, [ec2Id]);
    const output = await getConsoleOutput(services.compute.deps, ctx, instance as InstanceRecord, null);
    return { instanceId: ec2Id, timestamp: new Date(), output: Buffer.from(output, 'utf8').toString('base64') };
  },
});
