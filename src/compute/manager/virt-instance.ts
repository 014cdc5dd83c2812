import type { PowerState } from '../../common/states/power-state.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { VirtInstance } from '../../virt/types.js';
import { instanceName } from '../instance-name.js';

function cleanStrings(md: Record<string, string | null> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md ?? {})) out[k] = v ?? '';
  return out;
}

/** The plain view of an instance a driver receives: its record with the hypervisor-side name. */
export function toVirtInstance(instance: ConductorInstance, nameTemplate: string): VirtInstance {
  return {
    uuid: instance.uuid ?? '',
    id: instance.id ?? null,
    name: instanceName(nameTemplate, instance),
    memory_mb: instance.memory_mb ?? 0,
    vcpus: instance.vcpus ?? 0,
    root_gb: instance.root_gb ?? 0,
    ephemeral_gb: instance.ephemeral_gb ?? 0,
    display_name: instance.display_name,
    hostname: instance.hostname,
    host: instance.host,
    node: instance.node,
    project_id: instance.project_id,
    user_id: instance.user_id,
    image_ref: instance.image_ref,
    kernel_id: instance.kernel_id,
    ramdisk_id: instance.ramdisk_id,
    key_data: instance.key_data,
    user_data: instance.user_data,
    config_drive: instance.config_drive,
    os_type: instance.os_type,
    architecture: instance.architecture,
    instance_type_id: instance.instance_type_id,
    metadata: cleanStrings(instance.metadata),
    system_metadata: cleanStrings(instance.system_metadata),
    power_state: (instance.power_state ?? null) as PowerState | null,
  };
}
