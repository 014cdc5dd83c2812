import type { RequestContext } from '../context/context.js';
import { allFixedIps, type NetworkInfo } from '../virt/network-model.js';
import { lastCompletedAuditPeriod } from './audit-period.js';
import type { Notifier, Priority } from './notifier.js';
import { pyStr } from './time-format.js';

/** The instance fields notifications read: a row with its metadata as key/value objects. */
export interface NotifiableInstance {
  uuid: string | null;
  project_id?: string | null;
  user_id?: string | null;
  display_name?: string | null;
  reservation_id?: string | null;
  hostname?: string | null;
  instance_type_id?: number | null;
  architecture?: string | null;
  memory_mb?: number | null;
  vcpus?: number | null;
  root_gb?: number | null;
  ephemeral_gb?: number | null;
  host?: string | null;
  availability_zone?: string | null;
  created_at?: Date | string | null;
  terminated_at?: Date | string | null;
  launched_at?: Date | string | null;
  image_ref?: string | null;
  os_type?: string | null;
  kernel_id?: string | null;
  ramdisk_id?: string | null;
  vm_state?: string | null;
  task_state?: string | null;
  access_ip_v4?: string | null;
  access_ip_v6?: string | null;
  metadata?: Record<string, string | null> | null;
  system_metadata?: Record<string, string | null> | null;
}

/** The fixed IPs of a network info model as payloads list them (label = the network's label). */
export function fixedIpsPayload(networkInfo: NetworkInfo): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const vif of networkInfo) {
    for (const ip of allFixedIps([vif])) {
      out.push({
        address: ip.address,
        type: ip.type,
        version: ip.version,
        floating_ips: ip.floating_ips,
        meta: ip.meta,
        label: vif.network?.label ?? null,
        vif_mac: vif.address,
      });
    }
  }
  return out;
}

function imageMeta(systemMetadata: Record<string, string | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(systemMetadata)) if (k.startsWith('image_')) out[k.slice('image_'.length)] = v;
  return out;
}

/** `info_from_instance` (nova/notifications.py), plus `fixed_ips` when network info is given. */
export function instanceUsagePayload(
  notifier: Pick<Notifier, 'imageServiceUrl'>,
  instance: NotifiableInstance,
  options: { networkInfo?: NetworkInfo | null; systemMetadata?: Record<string, string | null> | null } = {},
): Record<string, unknown> {
  const sys = options.systemMetadata ?? instance.system_metadata ?? {};
  const payload: Record<string, unknown> = {
    tenant_id: instance.project_id ?? null,
    user_id: instance.user_id ?? null,
    instance_id: instance.uuid,
    display_name: instance.display_name ?? null,
    reservation_id: instance.reservation_id ?? null,
    hostname: instance.hostname ?? null,
    instance_type: sys.instance_type_name ?? '',
    instance_type_id: instance.instance_type_id ?? null,
    architecture: instance.architecture ?? null,
    memory_mb: instance.memory_mb ?? null,
    disk_gb: (instance.root_gb ?? 0) + (instance.ephemeral_gb ?? 0),
    vcpus: instance.vcpus ?? null,
    root_gb: instance.root_gb ?? null,
    ephemeral_gb: instance.ephemeral_gb ?? null,
    host: instance.host ?? null,
    availability_zone: instance.availability_zone ?? null,
    created_at: pyStr(instance.created_at),
    deleted_at: pyStr(instance.terminated_at),
    launched_at: pyStr(instance.launched_at),
    image_ref_url: `${notifier.imageServiceUrl}/images/${instance.image_ref ?? ''}`,
    os_type: instance.os_type ?? null,
    kernel_id: instance.kernel_id || '',
    ramdisk_id: instance.ramdisk_id || '',
    state: instance.vm_state ?? null,
    state_description: instance.task_state ?? '',
    access_ip_v4: instance.access_ip_v4 ?? null,
    access_ip_v6: instance.access_ip_v6 ?? null,
    image_meta: imageMeta(sys),
    metadata: instance.metadata ?? {},
  };
  if (options.networkInfo) payload.fixed_ips = fixedIpsPayload(options.networkInfo);
  return payload;
}

/** Emits `compute.instance.<event>` about an instance (publisher `compute.<host>` unless given). */
export async function notifyAboutInstanceUsage(
  notifier: Notifier,
  ctx: RequestContext | null,
  instance: NotifiableInstance,
  eventSuffix: string,
  options: {
    host: string;
    publisher?: string;
    networkInfo?: NetworkInfo | null;
    systemMetadata?: Record<string, string | null> | null;
    extra?: Record<string, unknown>;
    priority?: Priority;
  },
): Promise<void> {
  if (!notifier.enabled) return;
  const payload = { ...instanceUsagePayload(notifier, instance, options), ...(options.extra ?? {}) };
  await notifier.notify(
    ctx,
    options.publisher ?? `compute.${options.host}`,
    `compute.instance.${eventSuffix}`,
    options.priority ?? 'INFO',
    payload,
  );
}

/**
 * `send_update(old, new, service, host)`: `compute.instance.update` when the notifier is set
 * to report instance updates; with old/new states when vm_state changed (or, for
 * `vm_and_task_state`, task_state changed), a plain event otherwise.
 */
export async function sendInstanceUpdate(
  notifier: Notifier,
  ctx: RequestContext | null,
  oldInstance: NotifiableInstance | null,
  newInstance: NotifiableInstance,
  service: string,
  host: string,
): Promise<void> {
  if (!notifier.sendsInstanceUpdates) return;
  const vmChanged = (oldInstance?.vm_state ?? null) !== (newInstance.vm_state ?? null);
  const taskChanged = (oldInstance?.task_state ?? null) !== (newInstance.task_state ?? null);
  const withStates = oldInstance !== null && (vmChanged || (notifier.notifyOnStateChange === 'vm_and_task_state' && taskChanged));
  const period = lastCompletedAuditPeriod('month', notifier.now());
  const payload = {
    ...instanceUsagePayload(notifier, newInstance),
    old_state: withStates ? (oldInstance?.vm_state ?? null) : null,
    state: newInstance.vm_state ?? null,
    old_task_state: withStates ? (oldInstance?.task_state ?? null) : null,
    new_task_state: newInstance.task_state ?? null,
    audit_period_beginning: period.end,
    audit_period_ending: notifier.now(),
    bandwidth: {},
  };
  await notifier.notify(ctx, `${service}.${host}`, 'compute.instance.update', 'INFO', payload);
}
