import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BaseComputeDriver } from '../../../src/virt/driver.js';
import { NotImplementedError } from '../../../src/virt/errors.js';

class BareDriver extends BaseComputeDriver {
  readonly driverName = 'bare';
  override async listInstances(): Promise<string[]> {
    return ['instance-00000001'];
  }
}

describe('BaseComputeDriver', () => {
  it('throws a 501 NotImplementedError naming the driver and the operation it lacks', async () => {
    const driver = new BareDriver();
    await assert.rejects(driver.pause({ uuid: 'u', name: 'n', memory_mb: 1, vcpus: 1, root_gb: 0, ephemeral_gb: 0 }), (err: unknown) => {
      assert.ok(err instanceof NotImplementedError);
      assert.equal(err.code, 501);
      assert.equal(err.message, 'The bare driver does not support pause.');
      return true;
    });
  });

  it('derives instance counts and existence from listInstances', async () => {
    const driver = new BareDriver();
    assert.equal(await driver.getNumInstances(), 1);
    assert.ok(await driver.instanceExists('instance-00000001'));
    assert.ok(!(await driver.instanceExists('instance-00000002')));
  });

  it('reports no capabilities by default', () => {
    assert.deepEqual(new BareDriver().capabilities, { has_imagecache: false, supports_recreate: false });
  });
});
