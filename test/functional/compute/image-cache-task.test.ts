import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { FakeDriver } from '../../../src/virt/fake/driver.js';
import type { VirtInstance } from '../../../src/virt/types.js';
import { bootCloud, createInstanceRow, requestBuild, userContext, waitForRest } from './harness.js';

const TINY = { memory_mb: 512, vcpus: 1, root_gb: 1 };

/** A fake hypervisor that records what the image cache manager is asked to keep. */
class CacheWatchingDriver extends FakeDriver {
  readonly passes: VirtInstance[][] = [];
  override async manageImageCache(allInstances: readonly VirtInstance[]): Promise<void> {
    this.passes.push([...allInstances]);
  }
}

describe('the image cache manager periodic task', () => {
  it('is registered for a driver with an image cache and hands it the host’s instances', async () => {
    const cloud = await bootCloud();
    try {
      const driver = new CacheWatchingDriver({
        host: 'cmp1',
        nodes: ['cmp1'],
        vcpus: 4,
        memoryMb: 4096,
        localGb: 100,
        hostIp: '127.0.0.1',
        delaysMs: {},
      });
      const manager = await cloud.startCompute('cmp1', driver);
      assert.ok(manager.periodicTaskNames().includes('_run_image_cache_manager_pass'));
      const ctx = userContext();
      const inst = await createInstanceRow(cloud, ctx, TINY, { image_ref: 'img-cached' });
      await requestBuild(cloud, ctx, [inst], TINY);
      await waitForRest(cloud, inst.uuid as string);
      await manager.runImageCacheManagerPass(adminContext());
      assert.deepEqual(
        driver.passes.at(-1)?.map((i) => [i.uuid, i.image_ref]),
        [[inst.uuid, 'img-cached']],
      );
    } finally {
      await cloud.close();
    }
  });
});
