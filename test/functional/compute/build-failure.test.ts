/**
 * Builds that fail where the build flow's own handling cannot finish the job (the conductor
 * timing out while a failed build cleans up, or before the build starts) still end in
 * ERROR with a fault, never in a task state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessagingTimeout } from '../../../src/common/errors.js';
import type { ConductorContract } from '../../../src/conductor/contract.js';
import type { RequestContext } from '../../../src/context/context.js';
import type { ArgsOf, CallName, ResultOf } from '../../../src/rpc/contract.js';
import { type ContractCallOptions, ContractClient } from '../../../src/rpc/contract-client.js';
import { FakeDriver } from '../../../src/virt/fake/driver.js';
import type { VirtInstance } from '../../../src/virt/types.js';
import { bootCloud, createInstanceRow, fakeDriver, faultsOf, requestBuild, userContext, waitForRest } from './harness.js';

const TINY = { memory_mb: 512, vcpus: 1, root_gb: 1 };

type ConductorCall = CallName<ConductorContract>;

/** The real conductor over the bus, except that the named calls time out once each after arm(). */
class TimingOutConductor extends ContractClient<ConductorContract> {
  readonly #pending = new Set<ConductorCall>();
  readonly timedOut: ConductorCall[] = [];

  arm(...methods: ConductorCall[]): void {
    for (const m of methods) this.#pending.add(m);
  }

  override async call<N extends ConductorCall>(
    ctx: RequestContext,
    method: N,
    args: ArgsOf<ConductorContract, N>,
    opts?: ContractCallOptions,
  ): Promise<ResultOf<ConductorContract, N>> {
    if (this.#pending.delete(method)) {
      this.timedOut.push(method);
      throw new MessagingTimeout();
    }
    return super.call(ctx, method, args, opts);
  }
}

/** A hypervisor whose spawns fail, arming the conductor's time-outs first: they strike during the clean-up. */
class FailingSpawnDriver extends FakeDriver {
  onSpawn: () => void = () => {};
  override async spawn(_instance: VirtInstance): Promise<void> {
    this.onSpawn();
    throw new Error('hypervisor refused to start the guest');
  }
}

describe('failure paths of a build end in a final state', () => {
  it('ends in ERROR with the spawn error as fault when the conductor times out releasing the claim and re-reading the instance', async () => {
    const cloud = await bootCloud({ scheduler_max_attempts: 1 });
    try {
      const conductor = new TimingOutConductor(cloud.transport, cloud.conductor().contract);
      const driver = new FailingSpawnDriver({ ...fakeDriver('cmp1').options });
      driver.onSpawn = () => conductor.arm('compute_node_update', 'instance_get_by_uuid');
      await cloud.startCompute('cmp1', driver, conductor);
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY);
      await requestBuild(cloud, ctx, [inst], TINY);
      const done = await waitForRest(cloud, inst.uuid as string);
      assert.deepEqual(conductor.timedOut.sort(), ['compute_node_update', 'instance_get_by_uuid']);
      assert.equal(done.vm_state, 'error');
      assert.equal(done.task_state, null);
      const faults = await faultsOf(cloud, inst.uuid as string);
      assert.match(faults[0]?.message ?? '', /hypervisor refused/);
    } finally {
      await cloud.close();
    }
  });

  it('ends in ERROR with a fault when the conductor times out before the build starts', async () => {
    const cloud = await bootCloud({ scheduler_max_attempts: 1 });
    try {
      const conductor = new TimingOutConductor(cloud.transport, cloud.conductor().contract);
      await cloud.startCompute('cmp1', fakeDriver('cmp1'), conductor);
      conductor.arm('instance_update');
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY);
      await requestBuild(cloud, ctx, [inst], TINY);
      const done = await waitForRest(cloud, inst.uuid as string);
      assert.deepEqual(conductor.timedOut, ['instance_update']);
      assert.equal(done.vm_state, 'error');
      assert.equal(done.task_state, null);
      const faults = await faultsOf(cloud, inst.uuid as string);
      assert.match(faults[0]?.message ?? '', /Timeout while waiting on RPC response/);
    } finally {
      await cloud.close();
    }
  });
});
