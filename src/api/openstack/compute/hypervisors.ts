/**
 * `os-hypervisors`: compute nodes with their resources, service and liveness; servers per
 * node, a node's uptime, and totals over all nodes.
 */
import { computeApiOpts } from '../../../compute/api-opts.js';
import { instanceName } from '../../../compute/instance-name.js';
import type { Hypervisor, HypervisorAPI } from '../../../compute/operators/hypervisors.js';
import type { Config } from '../../../config/config.js';
import type { Liveness } from '../../../servicegroup/types.js';
import { defineResource, type ResourceModule } from '../routing.js';

export function hypervisorsResource(deps: { conf: Config; hypervisors: HypervisorAPI; liveness: Liveness }): ResourceModule {
  const { hypervisors, liveness } = deps;
  const nameTemplate = deps.conf.get(computeApiOpts).instance_name_template ?? 'instance-%08x';
  /** Each node's service liveness, asked of the service group driver once per request. */
  const upOf = async (nodes: readonly Hypervisor[]): Promise<Map<Hypervisor, boolean>> => {
    const now = new Date();
    return new Map(await Promise.all(nodes.map(async (n) => [n, n.service ? await liveness.isUp(n.service, now) : false] as const)));
  };
  const summary = (node: Hypervisor, up: Map<Hypervisor, boolean>) => ({
    id: node.id,
    hypervisor_hostname: node.hypervisor_hostname,
    status: node.service?.disabled ? 'disabled' : 'enabled',
    state: up.get(node) ? 'up' : 'down',
  });
  const detail = (node: Hypervisor, up: Map<Hypervisor, boolean>) => ({
    ...summary(node, up),
    vcpus: node.vcpus,
    memory_mb: node.memory_mb,
    local_gb: node.local_gb,
    vcpus_used: node.vcpus_used,
    memory_mb_used: node.memory_mb_used,
    local_gb_used: node.local_gb_used,
    hypervisor_type: node.hypervisor_type,
    hypervisor_version: node.hypervisor_version,
    free_ram_mb: node.free_ram_mb,
    free_disk_gb: node.free_disk_gb,
    current_workload: node.current_workload,
    running_vms: node.running_vms,
    cpu_info: node.cpu_info,
    disk_available_least: node.disk_available_least,
    host_ip: node.host_ip,
    service: { id: node.service_id, host: node.service?.host ?? null, disabled_reason: node.service?.disabled_reason ?? null },
  });

  return defineResource('os-hypervisors', (r) => {
    r.route({
      method: 'GET',
      path: '/os-hypervisors',
      handler: async (req) => {
        req.authorize('compute_extension:hypervisors');
        const nodes = await hypervisors.list(req.ctx);
        const up = await upOf(nodes);
        return { hypervisors: nodes.map((n) => summary(n, up)) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-hypervisors/detail',
      handler: async (req) => {
        req.authorize('compute_extension:hypervisors');
        const nodes = await hypervisors.list(req.ctx);
        const up = await upOf(nodes);
        return { hypervisors: nodes.map((n) => detail(n, up)) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-hypervisors/statistics',
      handler: async (req) => {
        req.authorize('compute_extension:hypervisors');
        return { hypervisor_statistics: await hypervisors.statistics(req.ctx) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-hypervisors/:id',
      handler: async (req) => {
        req.authorize('compute_extension:hypervisors');
        const node = await hypervisors.get(req.ctx, req.params.id as string);
        return { hypervisor: detail(node, await upOf([node])) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-hypervisors/:id/uptime',
      handler: async (req) => {
        req.authorize('compute_extension:hypervisors');
        const { node, uptime } = await hypervisors.uptime(req.ctx, req.params.id as string);
        return { hypervisor: { ...summary(node, await upOf([node])), uptime } };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-hypervisors/:pattern/search',
      handler: async (req) => {
        req.authorize('compute_extension:hypervisors');
        const nodes = await hypervisors.search(req.ctx, req.params.pattern as string);
        const up = await upOf(nodes);
        return { hypervisors: nodes.map((n) => summary(n, up)) };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-hypervisors/:pattern/servers',
      handler: async (req) => {
        req.authorize('compute_extension:hypervisors');
        const found = await hypervisors.servers(req.ctx, req.params.pattern as string);
        const up = await upOf(found.map((f) => f.node));
        return {
          hypervisors: found.map(({ node, instances }) => ({
            ...summary(node, up),
            ...(instances.length ? { servers: instances.map((i) => ({ name: instanceName(nameTemplate, i), uuid: i.uuid })) } : {}),
          })),
        };
      },
    });
  });
}
