/**
 * The driver contract suite the fake driver passes, run unchanged against the QEMU driver
 * with real QEMU processes (the tiny test guest, under TCG here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireExternal } from '../../support/externals.js';
import { fileImageSource, qemuProblem, TINY_IMAGE_ID, TINY_IMAGE_META, testImage } from '../../support/qemu.js';
import { runDriverContract } from '../../unit/virt/driver-contract.js';
import { makeQemuDriver } from './qemu-harness.js';

const problem = qemuProblem();
if (problem) {
  describe('ComputeDriver contract: qemu', () => {
    it('needs QEMU', (t) => {
      requireExternal(t, 'QEMU', problem);
    });
  });
} else {
  runDriverContract('qemu', async () => {
    const image = await testImage();
    const dir = mkdtempSync(join(tmpdir(), 'nova-qemu-contract-'));
    const driver = makeQemuDriver(dir, { images: fileImageSource({ [TINY_IMAGE_ID]: image.disk }), host: 'contract-qemu' });
    return {
      driver,
      nodename: 'contract-qemu',
      imageMeta: TINY_IMAGE_META,
      instanceDefaults: { image_ref: TINY_IMAGE_ID },
      cleanup: async () => {
        for (const uuid of await driver.listInstanceUuids()) {
          await driver.destroy({ uuid, name: '', memory_mb: 0, vcpus: 0, root_gb: 0, ephemeral_gb: 0 }, [], null, true);
        }
        driver.detach();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}
