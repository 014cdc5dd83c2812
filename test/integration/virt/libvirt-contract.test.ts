/** The driver contract suite, unchanged, against the libvirt driver (libvirtd, TCG domains, the tiny test guest). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireExternal } from '../../support/externals.js';
import { fileImageSource, TINY_IMAGE_ID, TINY_IMAGE_META, testImage } from '../../support/qemu.js';
import { runDriverContract } from '../../unit/virt/driver-contract.js';
import { libvirtProblem, makeLibvirtDriver } from './libvirt-harness.js';

const problem = libvirtProblem();
if (problem) {
  describe('ComputeDriver contract: libvirt', () => {
    it('needs libvirtd', (t) => {
      requireExternal(t, 'libvirtd', problem);
    });
  });
} else {
  runDriverContract('libvirt', async () => {
    const image = await testImage();
    const dir = mkdtempSync(join(tmpdir(), 'nova-libvirt-contract-'));
    const driver = makeLibvirtDriver(dir, { images: fileImageSource({ [TINY_IMAGE_ID]: image.disk }), host: 'contract-libvirt' });
    return {
      driver,
      nodename: 'contract-libvirt',
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
