import { type ComputeNodeRecord, type HostRecord, HostState, hostStateFromRecord } from '../../../src/scheduler/host-state.js';
import type { FilterProperties, InstanceType, RequestSpec } from '../../../src/scheduler/types.js';
import type { ServiceRecord } from '../../../src/servicegroup/types.js';

export const NOW = new Date('2026-03-01T12:00:00Z');

export function service(over: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    id: 1,
    host: 'host1',
    binary: 'nova-compute',
    topic: 'compute',
    report_count: 5,
    disabled: false,
    created_at: new Date('2026-03-01T00:00:00Z'),
    updated_at: new Date(NOW.getTime() - 5_000),
    ...over,
  };
}

export function computeNode(over: Partial<ComputeNodeRecord> = {}): ComputeNodeRecord {
  return {
    hypervisor_hostname: 'node1',
    memory_mb: 8192,
    free_ram_mb: 8192,
    local_gb: 100,
    local_gb_used: 0,
    free_disk_gb: 100,
    disk_available_least: null,
    vcpus: 4,
    vcpus_used: 0,
    hypervisor_type: 'QEMU',
    hypervisor_version: 1005003,
    updated_at: new Date(NOW.getTime() - 30_000),
    stats: {},
    ...over,
  };
}

export interface HostOptions {
  host?: string;
  node?: string;
  compute?: Partial<ComputeNodeRecord>;
  service?: Partial<ServiceRecord>;
  capabilities?: Record<string, unknown>;
  aggregate_metadata?: Record<string, string[]>;
  instance_type_ids?: number[];
}

export function hostState(options: HostOptions = {}): HostState {
  const host = options.host ?? 'host1';
  const record: HostRecord = {
    compute: computeNode({ hypervisor_hostname: options.node ?? `${host}-node`, ...options.compute }),
    service: service({ host, ...options.service }),
    capabilities: options.capabilities ?? {},
    ...(options.aggregate_metadata ? { aggregate_metadata: options.aggregate_metadata } : {}),
    ...(options.instance_type_ids ? { instance_type_ids: options.instance_type_ids } : {}),
  };
  return hostStateFromRecord(record);
}

export function flavor(over: Partial<InstanceType> = {}): InstanceType {
  return { id: 1, flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1, ephemeral_gb: 0, extra_specs: {}, ...over };
}

export function requestSpec(over: Partial<RequestSpec> = {}, type: InstanceType = flavor()): RequestSpec {
  return {
    instance_type: type,
    image: { properties: {} },
    instance_properties: {
      project_id: 'p1',
      user_id: 'u1',
      memory_mb: type.memory_mb,
      vcpus: type.vcpus,
      root_gb: type.root_gb,
      ephemeral_gb: type.ephemeral_gb,
      os_type: 'linux',
      vm_state: 'building',
      task_state: 'scheduling',
      availability_zone: null,
      image_ref: 'img-1',
    },
    ...over,
  };
}

/** filter_properties as the filter scheduler hands them to the filters. */
export function props(over: FilterProperties = {}, spec: RequestSpec = requestSpec()): FilterProperties {
  return { request_spec: spec, instance_type: spec.instance_type, project_id: 'p1', os_type: 'linux', scheduler_hints: {}, ...over };
}

export { HostState };
