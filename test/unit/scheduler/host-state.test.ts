import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostState } from '../../../src/scheduler/host-state.js';
import { computeNode, hostState, NOW } from './fixtures.js';

describe('HostState.updateFromComputeNode', () => {
  it('takes resources and stats from the compute node report', () => {
    const h = hostState({
      compute: {
        memory_mb: 4096,
        free_ram_mb: -100,
        local_gb: 50,
        local_gb_used: 10,
        free_disk_gb: 40,
        disk_available_least: 30,
        vcpus: 8,
        vcpus_used: 3,
        stats: {
          num_instances: '3',
          num_proj_p1: '2',
          num_proj_p2: '1',
          num_vm_active: '2',
          num_task_None: '3',
          num_os_type_linux: '3',
          io_workload: '1',
        },
      },
    });
    assert.equal(h.total_usable_ram_mb, 4096);
    assert.equal(h.free_ram_mb, -100, 'free RAM may be negative');
    assert.equal(h.total_usable_disk_gb, 50);
    assert.equal(h.free_disk_mb, 30 * 1024, 'disk_available_least wins over free_disk_gb');
    assert.equal(h.disk_mb_used, 10 * 1024);
    assert.equal(h.vcpus_total, 8);
    assert.equal(h.vcpus_used, 3);
    assert.equal(h.num_instances, 3);
    assert.deepEqual(h.num_instances_by_project, { p1: 2, p2: 1 });
    assert.deepEqual(h.vm_states, { active: 2 });
    assert.deepEqual(h.task_states, { None: 3 });
    assert.deepEqual(h.num_instances_by_os_type, { linux: 3 });
    assert.equal(h.num_io_ops, 1);
    assert.equal(h.hypervisor_type, 'QEMU');
  });

  it('uses free_disk_gb when disk_available_least is null', () => {
    assert.equal(hostState({ compute: { free_disk_gb: 7, disk_available_least: null } }).free_disk_mb, 7 * 1024);
  });

  it('keeps a consumption until the compute node reports again', () => {
    const h = new HostState('h', 'n');
    const report = computeNode({ updated_at: new Date(NOW.getTime() - 1000) });
    h.updateFromComputeNode(report);
    h.consumeFromInstance({ memory_mb: 1024, vcpus: 1, root_gb: 10, ephemeral_gb: 0 }, NOW);
    h.updateFromComputeNode(report);
    assert.equal(h.free_ram_mb, 8192 - 1024, 'an older report does not undo the consumption');
    h.updateFromComputeNode(computeNode({ free_ram_mb: 6000, updated_at: new Date(NOW.getTime() + 1000) }));
    assert.equal(h.free_ram_mb, 6000, 'a newer report replaces it');
  });

  it('takes allowed_vm_type from the capabilities', () => {
    assert.equal(hostState().allowed_vm_type, 'all');
    assert.equal(hostState({ capabilities: { allowed_vm_type: 'hvm' } }).allowed_vm_type, 'hvm');
  });
});

describe('HostState.consumeFromInstance', () => {
  it('charges RAM, disk, vCPUs and the instance counters', () => {
    const h = hostState({ compute: { stats: { num_instances: '1', num_proj_p1: '1', io_workload: '0' } } });
    h.consumeFromInstance(
      { project_id: 'p1', memory_mb: 2048, vcpus: 2, root_gb: 20, ephemeral_gb: 5, os_type: 'linux', task_state: 'scheduling' },
      NOW,
    );
    assert.equal(h.free_ram_mb, 8192 - 2048);
    assert.equal(h.free_disk_mb, (100 - 25) * 1024);
    assert.equal(h.vcpus_used, 2);
    assert.equal(h.num_instances, 2);
    assert.equal(h.num_instances_by_project.p1, 2);
    assert.equal(h.vm_states.building, 1, 'vm_state defaults to building');
    assert.equal(h.task_states.scheduling, 1);
    assert.equal(h.num_instances_by_os_type.linux, 1);
    assert.equal(h.num_io_ops, 1, 'a building instance is an I/O operation');
    assert.equal(h.updated?.getTime(), NOW.getTime());
    assert.equal(h.disk_mb_used, 0, 'disk_mb_used is left alone');
    assert.equal(h.total_usable_ram_mb, 8192, 'totals are left alone');
  });

  it('counts an I/O operation for an active instance only in an I/O-heavy task state', () => {
    const h = hostState();
    h.consumeFromInstance({ memory_mb: 1, vcpus: 1, root_gb: 0, ephemeral_gb: 0, vm_state: 'active', task_state: null });
    assert.equal(h.num_io_ops, 0);
    h.consumeFromInstance({ memory_mb: 1, vcpus: 1, root_gb: 0, ephemeral_gb: 0, vm_state: 'active', task_state: 'resize_prep' });
    assert.equal(h.num_io_ops, 1);
    assert.equal(h.task_states.None, 1);
  });
});
