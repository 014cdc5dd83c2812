/**
 * The libvirt driver with a guest that boots to its markers: QMP (through libvirt) agrees
 * with get_info, the metadata forward and config drive reach the guest, a soft reboot goes
 * through ACPI, snapshot, rescue, resize, a clear refusal to live-migrate to the same
 * libvirtd, a restarted driver finding its domains, and nothing left after destroy.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { PowerState } from '../../../src/common/states/power-state.js';
import { imageInfo } from '../../../src/virt/disk/qemu-img.js';
import { MigrationPreCheckError } from '../../../src/virt/errors.js';
import type { LibvirtDriver } from '../../../src/virt/libvirt/driver.js';
import { makeFixedIp, makeNetwork, makeSubnet, makeVif, type NetworkInfo } from '../../../src/virt/network-model.js';
import type { VirtInstance } from '../../../src/virt/types.js';
import { requireExternal } from '../../support/externals.js';
import {
  fileImageSource,
  MARKER,
  qemuPidsMentioning,
  TINY_IMAGE_ID,
  TINY_IMAGE_META,
  testImage,
  waitForConsole,
} from '../../support/qemu.js';
import { libvirtProblem, makeLibvirtDriver } from './libvirt-harness.js';

const GiB = 1024 ** 3;
const problem = libvirtProblem();

const networkInfo: NetworkInfo = [
  makeVif({
    id: randomUUID(),
    address: 'fa:16:3e:00:01:2a',
    network: makeNetwork({
      id: 'net-1',
      label: 'private',
      bridge: 'br100',
      subnets: [makeSubnet({ cidr: '10.0.0.0/24', ips: [makeFixedIp('10.0.0.3')] })],
    }),
  }),
];

function virsh(...args: string[]): string {
  return spawnSync('virsh', ['-q', '-c', 'qemu:///system', ...args], { encoding: 'utf8' }).stdout;
}

function qmpStatus(name: string): string {
  return (JSON.parse(virsh('qemu-monitor-command', name, '{"execute":"query-status"}')) as { return: { status: string } }).return.status;
}

describe('libvirt driver with a booting guest', { concurrency: false }, () => {
  let dir = '';
  let driver: LibvirtDriver;
  let metadata: Server;
  let metadataPort = 0;
  let guest: VirtInstance;
  let image: Awaited<ReturnType<typeof testImage>>;

  before(async () => {
    if (problem) return;
    image = await testImage();
    dir = mkdtempSync(join(tmpdir(), 'nova-libvirt-driver-'));
    metadata = createServer((req, res) => res.end(req.url === '/latest/meta-data/instance-id' ? 'i-0000012a' : ''));
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', r));
    metadataPort = (metadata.address() as { port: number }).port;
    driver = makeLibvirtDriver(dir, {
      host: 'libvirt-a',
      images: fileImageSource({ [TINY_IMAGE_ID]: image.disk }),
      metadataForward: `127.0.0.1:${metadataPort}`,
      waitSoftRebootSeconds: 120,
    });
    await driver.initHost('libvirt-a');
    const id = 0x100 + Math.floor(Math.random() * 0xffff);
    guest = {
      uuid: randomUUID(),
      id,
      name: `instance-${id.toString(16).padStart(8, '0')}`,
      memory_mb: 128,
      vcpus: 1,
      root_gb: 1,
      ephemeral_gb: 0,
      image_ref: TINY_IMAGE_ID,
    };
  });

  after(async () => {
    if (problem) return;
    for (const uuid of await driver.listInstanceUuids()) await driver.destroy({ ...guest, uuid }, [], null, true);
    driver.detach();
    await new Promise((r) => metadata.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots a domain whose guest reads the metadata forward and its config drive, with QMP agreeing with get_info', async (t) => {
    if (!requireExternal(t, 'libvirtd', problem)) return;
    await driver.spawn(guest, TINY_IMAGE_META, [], null, networkInfo, null, {
      configDrive: { files: new Map([['openstack/latest/meta_data.json', Buffer.from(JSON.stringify({ uuid: guest.uuid }))]]) },
    });
    assert.equal((await driver.getInfo(guest)).state, PowerState.RUNNING);
    assert.equal(qmpStatus(guest.name), 'running');
    const out = await waitForConsole(driver, guest, MARKER.idle);
    assert.match(out, /GUEST-METADATA instance-id=i-0000012a/);
    assert.match(out, new RegExp(`GUEST-CONFIGDRIVE uuid=${guest.uuid}`));
    assert.match(virsh('domblklist', guest.name), /hdd\s+\S+disk\.config/);
    const vnc = await driver.getVncConsole(guest);
    assert.ok(vnc.port >= 5900);
    assert.ok(((await driver.getDiagnostics(guest)).vda_read ?? 0) > 0);
    await driver.pause(guest);
    assert.equal(qmpStatus(guest.name), 'paused');
    assert.equal((await driver.getInfo(guest)).state, PowerState.PAUSED);
    await driver.unpause(guest);
  });

  it('soft-reboots through an ACPI shutdown and start', async (t) => {
    if (!requireExternal(t, 'libvirtd', problem)) return;
    await driver.reboot(guest, networkInfo, 'SOFT', null);
    assert.equal(qmpStatus(guest.name), 'running');
    await waitForConsole(driver, guest, MARKER.idle, { count: 2 });
  });

  it('snapshots to a standalone image while the guest keeps running', async (t) => {
    if (!requireExternal(t, 'libvirtd', problem)) return;
    const file = join(dir, 'snap.qcow2');
    await driver.snapshot(guest, 'snap', {
      updateTaskState: async () => undefined,
      upload: async (_meta, data) => pipeline(Buffer.isBuffer(data) ? Readable.from(data) : data, createWriteStream(file)),
    });
    const info = await imageInfo(file);
    assert.equal(info.backingFile, null);
    assert.equal(info.virtualSize, GiB);
    assert.equal(qmpStatus(guest.name), 'running');
  });

  it('rescues and unrescues', async (t) => {
    if (!requireExternal(t, 'libvirtd', problem)) return;
    await driver.rescue(guest, networkInfo, TINY_IMAGE_META, 'pw');
    const blocks = virsh('domblklist', guest.name);
    assert.match(blocks, /vda\s+\S+disk\.rescue/);
    assert.match(blocks, /vdb\s+\S+\/disk\n/);
    await driver.unrescue(guest, networkInfo);
    assert.match(virsh('domblklist', guest.name), /vda\s+\S+\/disk\n/);
    assert.ok(!existsSync(join(dir, guest.uuid, 'disk.rescue')));
  });

  it('finds its running domains again after a restart of the driver', async (t) => {
    if (!requireExternal(t, 'libvirtd', problem)) return;
    driver.detach();
    driver = makeLibvirtDriver(dir, { host: 'libvirt-a', images: fileImageSource({ [TINY_IMAGE_ID]: image.disk }) });
    await driver.initHost('libvirt-a');
    assert.deepEqual(await driver.listInstanceUuids(), [guest.uuid]);
    assert.equal((await driver.getInfo(guest)).state, PowerState.RUNNING);
  });

  it('resizes on one host and refuses a live migration to the same libvirtd with a 400', async (t) => {
    if (!requireExternal(t, 'libvirtd', problem)) return;
    const bigger = { ...guest, root_gb: 2, memory_mb: 160 };
    const migration = { source_compute: 'libvirt-a', dest_compute: 'libvirt-a' };
    await driver.migrateDiskAndPowerOff(guest, 'libvirt-a', { memory_mb: 160, vcpus: 1, root_gb: 2, ephemeral_gb: 0 }, networkInfo, null);
    await driver.finishMigration(migration, bigger, '', networkInfo, TINY_IMAGE_META, true, null);
    await driver.confirmMigration(migration, bigger, networkInfo);
    assert.equal((await driver.getInfo(bigger)).max_mem, 160 * 1024);
    assert.equal((await imageInfo(join(dir, guest.uuid, 'disk'))).virtualSize, 2 * GiB);
    assert.ok(!existsSync(join(dir, `${guest.uuid}_resize`)));
    guest = bigger;

    const other = makeLibvirtDriver(dir, { host: 'libvirt-b' });
    try {
      const destData = await other.checkCanLiveMigrateDestination(guest, {}, {}, false, false);
      const err = await driver.checkCanLiveMigrateSource(guest, destData).catch((e: unknown) => e);
      await other.checkCanLiveMigrateDestinationCleanup(destData);
      assert.ok(err instanceof MigrationPreCheckError);
      assert.equal(err.code, 400);
      assert.match(err.message, /same libvirtd/);
    } finally {
      other.detach();
    }
  });

  it('leaves no domain, QEMU process or file behind after destroy', async (t) => {
    if (!requireExternal(t, 'libvirtd', problem)) return;
    await driver.destroy(guest, networkInfo, null, true);
    assert.doesNotMatch(virsh('list', '--all', '--name'), new RegExp(guest.name));
    assert.deepEqual(qemuPidsMentioning(guest.uuid), []);
    assert.ok(!existsSync(join(dir, guest.uuid)));
    assert.deepEqual(await driver.listInstances(), []);
  });
});
