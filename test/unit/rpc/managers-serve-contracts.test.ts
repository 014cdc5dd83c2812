/**
 * Every method a client may send on a topic (its contract) is a method of the manager that
 * serves the topic, so no cast or call ends in UnknownRpcMethod. The contracts make a
 * missing method a compile error (`implements Endpoint<…>`); this pins the same at run time,
 * from the classes nova-ts runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certContract } from '../../../src/cert/contract.js';
import { CertManager } from '../../../src/cert/manager.js';
import { computeContract } from '../../../src/compute/contract.js';
import { ComputeManager } from '../../../src/compute/manager/index.js';
import { conductorContract } from '../../../src/conductor/contract.js';
import { ConductorManager } from '../../../src/conductor/manager.js';
import { consoleAuthContract } from '../../../src/consoleauth/contract.js';
import { ConsoleAuthManager } from '../../../src/consoleauth/manager.js';
import { networkContract } from '../../../src/network/contract.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { schedulerContract } from '../../../src/scheduler/contract.js';
import { SchedulerManager } from '../../../src/scheduler/manager.js';

const SERVED = [
  [computeContract, ComputeManager],
  [schedulerContract, SchedulerManager],
  [conductorContract, ConductorManager],
  [networkContract, NetworkManager],
  [certContract, CertManager],
  [consoleAuthContract, ConsoleAuthManager],
] as const;

describe('managers serve every method of their topic', () => {
  for (const [contract, manager] of SERVED) {
    it(`${manager.name} has every method of the ${contract.topic} contract`, () => {
      const prototype = manager.prototype as unknown as Record<string, unknown>;
      const missing = Object.keys(contract.methods).filter((name) => typeof prototype[name] !== 'function');
      assert.deepEqual(missing, []);
    });
  }

  it('the compute manager takes the metadata changes the compute API casts', () => {
    assert.ok(Object.hasOwn(computeContract.methods, 'change_instance_metadata'));
    assert.equal(typeof (ComputeManager.prototype as unknown as Record<string, unknown>).change_instance_metadata, 'function');
  });
});
