import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComputeResourcesUnavailable } from '../../../../src/compute/manager/errors.js';
import { ResourceTracker, type ResourceTrackerStore } from '../../../../src/compute/resource-tracker.js';
import type { ComputeNodeWrite, ConductorInstance } from '../../../../src/conductor/types.js';
import { adminContext } from '../../../../src/context/context.js';
import { FakeDriver } from '../../../../src/virt/fake/driver.js';

/** An in-memory stand-in for the conductor calls the tracker makes, with a delay to widen races. */
function memoryStore(delayMs = 0) {
  const nodes: (ComputeNodeWrite & { id: number })[] = [];
  const hosts = new Map<string, { host: string; node: string }>();
  const pause = () => new Promise((r) => setTimeout(r, delayMs));
  const handlers: Record<string, (args: never) => Promise<unknown>> = {
    async instance_get_all_by_host() {
      await pause();
      return [];
    },
    async service_get_all_by() {
      return [{ id: 7, host: 'cmp1', compute_node: nodes.map((n) => ({ id: n.id, hypervisor_hostname: n.hypervisor_hostname })) }];
    },
    async compute_node_create(args: { values: ComputeNodeWrite }) {
      await pause();
      const row = { ...args.values, id: nodes.length + 1 };
      nodes.push(row);
      return row;
    },
    async compute_node_update(args: { node: { id: number }; values: Partial<ComputeNodeWrite> }) {
      await pause();
      const row = nodes.find((n) => n.id === args.node.id) as ComputeNodeWrite & { id: number };
      Object.assign(row, args.values);
      return row;
    },
    async instance_update(args: { instance_uuid: string; updates: { host?: string | null; node?: string | null } }) {
      hosts.set(args.instance_uuid, { host: args.updates.host as string, node: args.updates.node as string });
      return { uuid: args.instance_uuid };
    },
  };
  const store = {
    call: (_ctx: unknown, method: string, args: unknown) => (handlers[method] as (args: unknown) => Promise<unknown>)(args),
  };
  return { store: store as unknown as ResourceTrackerStore, nodes, hosts };
}

function driver(memoryMb = 2048) {
  return new FakeDriver({ host: 'cmp1', nodes: ['node1'], vcpus: 4, memoryMb, localGb: 100, hostIp: '127.0.0.1', delaysMs: {} });
}

function instance(uuid: string, memory_mb = 512, vcpus = 1, root_gb = 10): ConductorInstance {
  return {
    uuid,
    memory_mb,
    vcpus,
    root_gb,
    ephemeral_gb: 0,
    vm_state: 'building',
    task_state: null,
    project_id: 'p1',
    os_type: null,
  } as unknown as ConductorInstance;
}

const options = { reservedHostMemoryMb: 512, reservedHostDiskMb: 0 };

describe('ResourceTracker claims', () => {
  it('accepts a claim under the limits, gives the instance this host and node, and records usage in compute_nodes', async () => {
    const { store, nodes, hosts } = memoryStore();
    const rt = new ResourceTracker('cmp1', 'node1', driver(), store, options);
    await rt.instanceClaim(adminContext(), instance('a'), { memory_mb: 2048 });
    assert.deepEqual(hosts.get('a'), { host: 'cmp1', node: 'node1' });
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0]?.memory_mb_used, 1024);
    assert.equal(nodes[0]?.free_ram_mb, 1024);
    assert.equal(nodes[0]?.local_gb_used, 10);
    assert.equal(nodes[0]?.stats?.num_instances, 1);
    assert.equal(nodes[0]?.stats?.num_vm_building, 1);
  });

  it('refuses a claim whose memory exceeds the limit minus what is used (reserved memory included)', async () => {
    const { store, hosts } = memoryStore();
    const rt = new ResourceTracker('cmp1', 'node1', driver(), store, options);
    await assert.rejects(rt.instanceClaim(adminContext(), instance('big', 1600), { memory_mb: 2048 }), ComputeResourcesUnavailable);
    assert.equal(hosts.has('big'), false);
    assert.equal(rt.usage().memory_mb_used, 512);
  });

  it('refuses on disk and on vcpus limits too, and treats a missing limit as unlimited', async () => {
    const { store } = memoryStore();
    const rt = new ResourceTracker('cmp1', 'node1', driver(), store, options);
    await assert.rejects(rt.instanceClaim(adminContext(), instance('d', 64, 1, 200), { disk_gb: 100 }), /Free disk/);
    await assert.rejects(rt.instanceClaim(adminContext(), instance('c', 64, 8), { vcpu: 4 }), /Free cpu/);
    await rt.instanceClaim(adminContext(), instance('u', 100_000, 64, 5000), {});
    assert.equal(rt.usage().vcpus_used, 64);
  });

  it('lets exactly one of two concurrent claims for the last slot win', async () => {
    const { store, hosts } = memoryStore(5);
    const rt = new ResourceTracker('cmp1', 'node1', driver(), store, options);
    const limits = { memory_mb: 1536 };
    const results = await Promise.allSettled([
      rt.instanceClaim(adminContext(), instance('x', 1024), limits),
      rt.instanceClaim(adminContext(), instance('y', 1024), limits),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok((lost[0] as PromiseRejectedResult).reason instanceof ComputeResourcesUnavailable);
    assert.equal(hosts.size, 1);
    assert.equal(rt.usage().memory_mb_used, 1536);
  });

  it('gives the resources back when a claim is aborted', async () => {
    const { store, nodes } = memoryStore();
    const rt = new ResourceTracker('cmp1', 'node1', driver(), store, options);
    const claim = await rt.instanceClaim(adminContext(), instance('a', 1024), { memory_mb: 1536 });
    await assert.rejects(rt.instanceClaim(adminContext(), instance('b', 1024), { memory_mb: 1536 }));
    await claim.abort(adminContext());
    assert.equal(nodes[0]?.memory_mb_used, 512);
    await rt.instanceClaim(adminContext(), instance('b', 1024), { memory_mb: 1536 });
    assert.equal(rt.usage().memory_mb_used, 1536);
  });
});
