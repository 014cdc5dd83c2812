/**
 * The QEMU driver's bridge VIFs (qemu_vif_type = bridge), as with nova-network's linux_net:
 * inside a network namespace this test creates (never the host's own), the guest's tap is
 * plugged into the bridge the VIF names, the guest's frames reach that bridge, and destroy
 * removes the tap.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeNetwork, makeVif, type NetworkInfo } from '../../../src/virt/network-model.js';
import { execute } from '../../../src/virt/process-utils.js';
import type { QemuDriver } from '../../../src/virt/qemu/driver.js';
import type { VirtInstance } from '../../../src/virt/types.js';
import { requireExternal } from '../../support/externals.js';
import { fileImageSource, qemuProblem, TINY_IMAGE_ID, TINY_IMAGE_META, testImage } from '../../support/qemu.js';
import { makeQemuDriver } from './qemu-harness.js';

function netnsProblem(): string | null {
  const qemu = qemuProblem();
  if (qemu) return qemu;
  if (process.getuid?.() !== 0) return 'needs root for a network namespace and taps';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  return spawnSync('ip', ['netns', 'list']).status === 0 ? null : 'ip netns does not work here';
}

const problem = netnsProblem();

describe('QEMU driver with bridged VIFs in a network namespace', () => {
  const ns = `nova-virt-${randomBytes(3).toString('hex')}`;
  let dir = '';
  let driver: QemuDriver;
  const nsRun = (...args: string[]): string => spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8' }).stdout;

  before(async () => {
    if (problem) return;
    const image = await testImage();
    dir = mkdtempSync(join(tmpdir(), 'nova-qemu-bridge-'));
    await execute('ip', ['netns', 'add', ns]);
    for (const cmd of [
      ['ip', 'link', 'set', 'lo', 'up'],
      ['ip', 'link', 'add', 'br100', 'type', 'bridge'],
      ['ip', 'link', 'set', 'br100', 'up'],
    ]) {
      await execute('ip', ['netns', 'exec', ns, ...cmd]);
    }
    // QEMU and `ip` run inside the namespace, where the bridge is.
    const wrapper = join(dir, 'qemu-in-netns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} qemu-system-x86_64 "$@"\n`);
    chmodSync(wrapper, 0o755);
    driver = makeQemuDriver(dir, {
      host: 'bridge-host',
      binary: wrapper,
      vifType: 'bridge',
      images: fileImageSource({ [TINY_IMAGE_ID]: image.disk }),
      runCommand: async (cmd, args) => {
        await execute('ip', ['netns', 'exec', ns, cmd, ...args]);
      },
    });
    await driver.initHost('bridge-host');
  });

  after(async () => {
    if (problem) return;
    for (const uuid of await driver.listInstanceUuids()) {
      await driver.destroy({ uuid, name: '', memory_mb: 0, vcpus: 0, root_gb: 0, ephemeral_gb: 0 }, [], null, true);
    }
    driver.detach();
    await execute('ip', ['netns', 'delete', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('plugs the guest’s tap into the VIF’s bridge, sees its frames there, and unplugs it on destroy', async (t) => {
    if (!requireExternal(t, 'root and network namespaces', problem)) return;
    const mac = 'fa:16:3e:00:02:2a';
    const vif = makeVif({ id: randomUUID(), address: mac, network: makeNetwork({ id: 'n', bridge: 'br100', label: 'private' }) });
    const networkInfo: NetworkInfo = [vif];
    const tap = `tap${vif.id}`.slice(0, 14);
    const guest: VirtInstance = {
      uuid: randomUUID(),
      name: 'instance-0000022a',
      memory_mb: 128,
      vcpus: 1,
      root_gb: 1,
      ephemeral_gb: 0,
      image_ref: TINY_IMAGE_ID,
    };
    await driver.spawn(guest, TINY_IMAGE_META, [], null, networkInfo, null);
    assert.match(nsRun('ip', '-o', 'link', 'show', tap), /master br100/);
    assert.match(nsRun('ip', '-o', 'link', 'show', tap), /state UP|LOWER_UP/);
    // The guest's DHCP discovery is the first frame it sends; the bridge learns its MAC from it.
    const deadline = Date.now() + 180_000;
    while (!nsRun('bridge', 'fdb', 'show', 'br', 'br100').includes(mac)) {
      assert.ok(Date.now() < deadline, 'the guest never sent a frame into the bridge');
      await sleep(250);
    }
    await driver.destroy(guest, networkInfo, null, true);
    assert.equal(nsRun('ip', '-o', 'link', 'show', tap), '');
  });
});
