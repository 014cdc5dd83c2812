/**
 * compute.api actions on a guest that do not change its power: lock and unlock, reset
 * state, rescue and unrescue, the admin password, network re-injection and reset, the
 * console log and diagnostics.
 */
import { InstanceInvalidState } from '../../common/errors.js';
import { powerStateName } from '../../common/states/power-state.js';
import { VmState } from '../../common/states/vm-states.js';
import type { RequestContext } from '../../context/context.js';
import { instanceSystemMetadataUpdate } from '../../db/api/instance-metadata.js';
import { type InstanceRecord, instanceUpdate } from '../../db/api/instances.js';
import { registerPolicyDefaults } from '../../policy/defaults.js';
import { beginAction, guardInstance } from './actions.js';
import { generatePassword } from './create.js';
import type { ComputeApiDeps } from './deps.js';

const UNLOCK_OVERRIDE = 'compute_extension:admin_actions:unlock_override';
registerPolicyDefaults([[UNLOCK_OVERRIDE, 'rule:admin_api']]);

/** Who holds an instance's lock, in system_metadata (today's Nova keeps it in `instances.locked_by`). */
const LOCKED_BY = 'locked_by';

function isOwner(ctx: RequestContext, instance: InstanceRecord): boolean {
  return ctx.projectId !== null && ctx.projectId === instance.project_id;
}

/** Locks the instance against non-admin actions, remembering whether its owner or an admin locked it. */
export async function lockInstance(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  guardInstance(deps, ctx, instance, { policy: 'compute:lock' });
  const owner = isOwner(ctx, instance);
  if (instance.locked && owner) return;
  const uuid = instance.uuid as string;
  await instanceUpdate(deps.db, ctx.elevated(), uuid, { locked: true });
  await instanceSystemMetadataUpdate(deps.db, ctx, uuid, { [LOCKED_BY]: owner ? 'owner' : 'admin' }, false);
}

/**
 * Unlocks the instance. A lock an admin set is the owner's to lift only where policy
 * grants `unlock_override` (admins by default), as today's Nova has it.
 */
export async function unlockInstance(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  guardInstance(deps, ctx, instance, { policy: 'compute:unlock' });
  const lockedBy = instance.system_metadata?.[LOCKED_BY];
  const expected = isOwner(ctx, instance) ? 'owner' : 'admin';
  if (instance.locked && lockedBy && lockedBy !== expected) {
    deps.policy.enforce(ctx, UNLOCK_OVERRIDE, {
      project_id: instance.project_id,
      user_id: instance.user_id,
    });
  }
  const uuid = instance.uuid as string;
  await instanceUpdate(deps.db, ctx.elevated(), uuid, { locked: false });
  await instanceSystemMetadataUpdate(deps.db, ctx, uuid, { [LOCKED_BY]: null }, false);
}

/** Sets vm_state to `active` or `error` and clears the task, whatever the instance was doing (an admin's repair). */
export async function resetState(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  state: 'active' | 'error',
): Promise<void> {
  guardInstance(deps, ctx, instance, { policy: 'compute:update' });
  await instanceUpdate(deps.db, ctx, instance.uuid as string, {
    vm_state: state === 'active' ? VmState.ACTIVE : VmState.ERROR,
    task_state: null,
  });
}

/** Boots the rescue image; the password the rescued guest was given is returned. */
export async function rescue(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  password: string | null,
): Promise<string> {
  const started = await beginAction(deps, ctx, instance, 'rescue');
  const rescuePassword = password ?? generatePassword();
  await deps.compute.cast(
    ctx,
    'rescue_instance',
    { instance: started, rescue_password: rescuePassword },
    { server: started.host as string },
  );
  return rescuePassword;
}

/** Sets the guest's admin password; waits for the compute host, whose refusal the caller sees. */
export async function setAdminPassword(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  password: string,
): Promise<void> {
  const started = await beginAction(deps, ctx, instance, 'set_admin_password');
  await deps.compute.call(ctx, 'set_admin_password', { instance: started, new_pass: password }, { server: started.host as string });
}

/** Guards of the actions that only reach the host: policy, lock, a host to reach. */
function guardHostAction(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord, method: string, lock: boolean): string {
  guardInstance(deps, ctx, instance, { policy: `compute:${method}`, lock, host: true });
  return instance.host as string;
}

export async function injectNetworkInfo(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  const host = guardHostAction(deps, ctx, instance, 'inject_network_info', true);
  await deps.compute.cast(ctx, 'inject_network_info', { instance }, { server: host });
}

export async function resetNetwork(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  const host = guardHostAction(deps, ctx, instance, 'reset_network', true);
  await deps.compute.cast(ctx, 'reset_network', { instance }, { server: host });
}

/** The console log, or its last `length` lines (null: all of it). */
export async function getConsoleOutput(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  length: number | null,
): Promise<string> {
  const host = guardHostAction(deps, ctx, instance, 'get_console_output', false);
  return deps.compute.call(ctx, 'get_console_output', { instance, tail_length: length }, { server: host });
}

/** The hypervisor's counters for a running guest; 409 for a guest that is not running. */
export async function getDiagnostics(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<Record<string, number>> {
  const host = guardHostAction(deps, ctx, instance, 'get_diagnostics', false);
  const counters = await deps.compute.call(ctx, 'get_diagnostics', { instance }, { server: host });
  if (counters === null) {
    const power = powerStateName(instance.power_state ?? 0);
    throw new InstanceInvalidState(
      `Instance ${instance.uuid} in power state ${power}. Cannot get_diagnostics while the instance is in this state.`,
      { kwargs: { attr: 'power_state', state: power, method: 'get_diagnostics', instance_uuid: instance.uuid } },
    );
  }
  return counters;
}
