import { adminContext, type RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { type ComputeNodeWithRelations, computeNodeGetAll } from '../db/api/compute-nodes.js';
import { aggregateMetadataByHost, instanceTypeIdsByHost } from '../db/api/host-queries.js';
import type { ServiceRecord } from '../servicegroup/types.js';
import type { ComputeNodeWithService } from './host-manager.js';
import type { ComputeNodeRecord } from './host-state.js';

function serviceRecord(service: NonNullable<ComputeNodeWithRelations['service']>): ServiceRecord {
  return {
    id: service.id,
    host: service.host,
    binary: service.binary,
    topic: service.topic,
    report_count: service.report_count,
    disabled: service.disabled === null ? null : Boolean(service.disabled),
    created_at: service.created_at,
    updated_at: service.updated_at,
  };
}

function computeRecord(node: ComputeNodeWithRelations): ComputeNodeRecord {
  const stats: Record<string, string> = {};
  for (const s of node.stats) if (s.value !== null) stats[s.key] = s.value;
  return {
    id: node.id,
    hypervisor_hostname: node.hypervisor_hostname ?? '',
    memory_mb: node.memory_mb,
    free_ram_mb: node.free_ram_mb ?? node.memory_mb - node.memory_mb_used,
    local_gb: node.local_gb,
    local_gb_used: node.local_gb_used,
    free_disk_gb: node.free_disk_gb ?? node.local_gb - node.local_gb_used,
    disk_available_least: node.disk_available_least,
    vcpus: node.vcpus,
    vcpus_used: node.vcpus_used,
    hypervisor_type: node.hypervisor_type,
    hypervisor_version: node.hypervisor_version,
    cpu_info: node.cpu_info,
    updated_at: node.updated_at ?? node.created_at,
    stats,
  };
}

/**
 * Everything the host manager builds its host states from, read in one pass: the live
 * compute nodes with their service and stats, the aggregate metadata of each host and the
 * flavors of the instances already on it.
 */
export async function loadComputeNodes(db: Db, ctx: RequestContext = adminContext()): Promise<ComputeNodeWithService[]> {
  const elevated = ctx.elevated();
  const [nodes, aggregates, flavors] = await Promise.all([
    computeNodeGetAll(db, elevated),
    aggregateMetadataByHost(db, elevated),
    instanceTypeIdsByHost(db, elevated),
  ]);
  return nodes.map((node) => {
    const host = node.service?.host ?? null;
    return {
      compute: computeRecord(node),
      service: node.service ? serviceRecord(node.service) : null,
      aggregate_metadata: (host && aggregates.get(host)) || {},
      instance_type_ids: (host && flavors.get(host)) || [],
    };
  });
}
