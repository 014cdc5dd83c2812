/**
 * The QEMU driver with a real guest that boots to its markers: what the contract suite
 * cannot see (QMP agreeing with get_info, the metadata forward and the config drive inside
 * the guest, a soft reboot through ACPI, snapshots that boot, rescue, a killed QEMU, a
 * restarted nova-compute, resize, live migration) and that nothing is left behind.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PowerState } from '../../../src/common/states/power-state.js';
import { imageInfo } from '../../../src/virt/disk/qemu-img.js';
import { MigrationPreCheckError, NotImplementedError } from '../../../src/virt/errors.js';
import { type LifecycleEvent, LifecycleTransition } from '../../../src/virt/event.js';
import type { FirewallDriver } from '../../../src/virt/firewall/types.js';
import { makeFixedIp, makeNetwork, makeSubnet, makeVif, type NetworkInfo } from '../../../src/virt/network-model.js';
import type { QemuDriver } from '../../../src/virt/qemu/driver.js';
import type { VirtInstance } from '../../../src/virt/types.js';
import { requireExternal } from '../../support/externals.js';
import {
  consoleValue,
  fileImageSource,
  MARKER,
  qemuPidsMentioning,
  qemuProblem,
  TINY_IMAGE_ID,
  TINY_IMAGE_META,
  testImage,
  waitForConsole,
} from '../../support/qemu.js';
import { makeQemuDriver } from './qemu-harness.js';

const GiB = 1024 ** 3;
const problem = qemuProblem();

const networkInfo: NetworkInfo = [
  makeVif({
    id: randomUUID(),
    address: 'fa:16:3e:00:00:2a',
    network: makeNetwork({
      id: 'net-1',
      label: 'private',
      bridge: 'br100',
      subnets: [makeSubnet({ cidr: '10.0.0.0/24', ips: [makeFixedIp('10.0.0.2')] })],
    }),
  }),
];

function pidOf(driver: QemuDriver, instance: VirtInstance): number | null {
  return driver.host.guests.get(instance.uuid)?.proc?.pid ?? null;
}

async function qmpStatus(driver: QemuDriver, instance: VirtInstance): Promise<string> {
  const proc = driver.host.guests.get(instance.uuid)?.proc;
  assert.ok(proc, 'the guest has a QEMU process');
  return (await proc.qmp.execute<{ status: string }>('query-status')).status;
}

/** The RFB banner a VNC server sends first. */
function rfbBanner(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString('latin1'));
    });
    socket.once('error', reject);
  });
}

describe('QEMU driver with a booting guest', { concurrency: false }, () => {
  let dir = '';
  let driver: QemuDriver;
  let metadata: Server;
  let metadataPort = 0;
  let guest: VirtInstance;
  const events: LifecycleEvent[] = [];
  let image: Awaited<ReturnType<typeof testImage>>;
  const snapshots = new Map<string, string>();

  const newInstance = (over: Partial<VirtInstance> = {}): VirtInstance => {
    const id = 0x2a + Math.floor(Math.random() * 0xffff);
    return {
      uuid: randomUUID(),
      id,
      name: `instance-${id.toString(16).padStart(8, '0')}`,
      memory_mb: 128,
      vcpus: 1,
      root_gb: 1,
      ephemeral_gb: 0,
      image_ref: TINY_IMAGE_ID,
      ...over,
    };
  };

  /** Every firewall hook the driver calls, as `<hook> <instance uuid>`. */
  const firewallCalls: string[] = [];
  const recordingFirewall: FirewallDriver = {
    name: 'recording',
    setupBasicFiltering: async (i) => void firewallCalls.push(`setupBasicFiltering ${i.uuid}`),
    prepareInstanceFilter: async (i) => void firewallCalls.push(`prepareInstanceFilter ${i.uuid}`),
    applyInstanceFilter: async (i) => void firewallCalls.push(`applyInstanceFilter ${i.uuid}`),
    unfilterInstance: async (i) => void firewallCalls.push(`unfilterInstance ${i.uuid}`),
    filterDeferApplyOn: () => undefined,
    filterDeferApplyOff: async () => undefined,
    refreshSecurityGroupRules: async () => undefined,
    refreshSecurityGroupMembers: async () => undefined,
    refreshInstanceSecurityRules: async () => undefined,
    refreshProviderFwRules: async () => undefined,
    instanceFilterExists: async () => true,
  };

  const images = () => fileImageSource({ [TINY_IMAGE_ID]: image.disk, ...Object.fromEntries(snapshots) });

  before(async () => {
    if (problem) return;
    image = await testImage();
    dir = mkdtempSync(join(tmpdir(), 'nova-qemu-driver-'));
    metadata = createServer((req, res) => {
      res.end(req.url === '/latest/meta-data/instance-id' ? 'i-0000002a' : '');
    });
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', r));
    metadataPort = (metadata.address() as { port: number }).port;
    driver = makeQemuDriver(dir, {
      host: 'qemu-a',
      metadataForward: `127.0.0.1:${metadataPort}`,
      sshForward: true,
      waitSoftRebootSeconds: 120,
      firewall: recordingFirewall,
    });
    driver.registerEventListener((e) => events.push(e));
    await driver.initHost('qemu-a');
  });

  after(async () => {
    if (problem) return;
    for (const uuid of await driver.listInstanceUuids()) {
      await driver.destroy({ ...newInstance(), uuid }, [], null, true);
    }
    driver.detach();
    await new Promise((r) => metadata.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots a guest that reads the metadata forward and its config drive, with QMP agreeing with get_info', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    guest = newInstance();
    const meta = JSON.stringify({ uuid: guest.uuid, hostname: 'tiny' });
    await driver.spawn(guest, TINY_IMAGE_META, [], null, networkInfo, null, {
      images: images(),
      configDrive: { files: new Map([['openstack/latest/meta_data.json', Buffer.from(meta)]]) },
    });
    assert.equal((await driver.getInfo(guest)).state, PowerState.RUNNING);
    assert.equal(await qmpStatus(driver, guest), 'running');
    const out = await waitForConsole(driver, guest, MARKER.idle);
    assert.match(out, /GUEST-METADATA instance-id=i-0000002a/);
    assert.match(out, new RegExp(`GUEST-CONFIGDRIVE uuid=${guest.uuid}`));
    const disk = await imageInfo(join(dir, guest.uuid, 'disk'));
    assert.equal(disk.format, 'qcow2');
    assert.ok(disk.backingFile?.startsWith(join(dir, '_base')), 'the root disk is an overlay on the cached base');
    assert.equal(disk.virtualSize, GiB);
    assert.deepEqual(
      firewallCalls.filter((c) => c.endsWith(guest.uuid)).map((c) => c.split(' ')[0]),
      ['setupBasicFiltering', 'prepareInstanceFilter', 'applyInstanceFilter'],
      'filters are set up before QEMU starts and applied after',
    );
  });

  it('attaches a vfat config drive as a disk the guest mounts by its config-2 label', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const base = makeQemuDriver(dir).options;
    const vfatDriver = makeQemuDriver(dir, {
      host: 'qemu-vfat',
      disks: { ...base.disks, configDrive: { ...base.disks.configDrive, format: 'vfat' } },
    });
    const vfatGuest = newInstance();
    const userData = Buffer.from('user data on a vfat drive\n');
    try {
      await vfatDriver.spawn(vfatGuest, TINY_IMAGE_META, [], null, networkInfo, null, {
        images: images(),
        configDrive: {
          files: new Map([
            ['openstack/latest/meta_data.json', Buffer.from(JSON.stringify({ uuid: vfatGuest.uuid }))],
            ['openstack/latest/user_data', userData],
          ]),
        },
      });
      const config = vfatDriver.host.guests.get(vfatGuest.uuid)?.spec.disks.find((d) => d.name === 'disk.config');
      assert.deepEqual([config?.device, config?.bus, config?.format], ['disk', 'virtio', 'raw']);
      const out = await waitForConsole(vfatDriver, vfatGuest, MARKER.idle);
      assert.equal(consoleValue(out, MARKER.configDrive), `uuid=${vfatGuest.uuid}`);
      assert.equal(consoleValue(out, 'GUEST-CD-USERDATA'), createHash('md5').update(userData).digest('hex'));
    } finally {
      await vfatDriver.destroy(vfatGuest, [], null, true);
      vfatDriver.detach();
    }
  });

  it('serves VNC on loopback and reports diagnostics', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const vnc = await driver.getVncConsole(guest);
    assert.equal(vnc.host, '127.0.0.1');
    assert.match(await rfbBanner('127.0.0.1', vnc.port), /^RFB 003\.008/);
    const diag = await driver.getDiagnostics(guest);
    assert.ok(diag.cpu0_time !== undefined && diag.cpu0_time > 0);
    assert.equal(diag.memory, 128 * 1024);
    assert.ok((diag.vda_read ?? 0) > 0, 'the guest read its disk');
  });

  it('soft-reboots through the ACPI power button in the same QEMU process', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const pid = pidOf(driver, guest);
    await driver.reboot(guest, networkInfo, 'SOFT', null);
    assert.equal(pidOf(driver, guest), pid, 'a soft reboot keeps the process');
    assert.equal(await qmpStatus(driver, guest), 'running');
    await waitForConsole(driver, guest, MARKER.idle, { count: 2 });
  });

  it('uploads a snapshot that boots as a second guest', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const snapshotFile = join(dir, 'snapshot-upload.qcow2');
    const states: string[] = [];
    await driver.snapshot(guest, 'snap-1', {
      updateTaskState: async (task) => void states.push(task),
      upload: async (meta, data) => {
        assert.equal(meta.disk_format, 'qcow2');
        const { createWriteStream } = await import('node:fs');
        const { pipeline } = await import('node:stream/promises');
        const { Readable } = await import('node:stream');
        await pipeline(Buffer.isBuffer(data) ? Readable.from(data) : data, createWriteStream(snapshotFile));
      },
    });
    assert.deepEqual(states, ['image_pending_upload', 'image_uploading']);
    assert.equal(await qmpStatus(driver, guest), 'running', 'the guest runs again after the copy');
    assert.equal((await imageInfo(snapshotFile)).backingFile, null, 'the snapshot is a standalone image');
    const snapId = randomUUID();
    snapshots.set(snapId, snapshotFile);
    const second = newInstance({ image_ref: snapId });
    await driver.spawn(second, { id: snapId, disk_format: 'qcow2' }, [], null, [], null, { images: images() });
    try {
      await waitForConsole(driver, second, MARKER.idle);
    } finally {
      await driver.destroy(second, [], null, true);
    }
    assert.deepEqual(qemuPidsMentioning(second.uuid), []);
    assert.ok(!existsSync(join(dir, second.uuid)));
    assert.ok(firewallCalls.includes(`unfilterInstance ${second.uuid}`), 'destroy removes the guest’s filters');
  });

  it('boots an AMI-style guest from its kernel and ramdisk, with ephemeral and swap disks from the flavor', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const kernelId = randomUUID();
    const ramdiskId = randomUUID();
    snapshots.set(kernelId, image.kernel);
    snapshots.set(ramdiskId, image.initrd);
    const ami = newInstance({ kernel_id: kernelId, ramdisk_id: ramdiskId, ephemeral_gb: 1, system_metadata: { instance_type_swap: '16' } });
    await driver.spawn(ami, TINY_IMAGE_META, [], null, [], null, { images: images() });
    try {
      const spec = driver.host.guests.get(ami.uuid)?.spec;
      assert.deepEqual(
        spec?.disks.map((d) => [d.name, d.dev]),
        [
          ['disk', 'vda'],
          ['disk.local', 'vdb'],
          ['disk.swap', 'vdc'],
        ],
      );
      const local = await imageInfo(join(dir, ami.uuid, 'disk.local'));
      assert.equal(local.virtualSize, GiB);
      assert.equal(local.backingFile, join(dir, '_base', 'ephemeral_1_default'));
      assert.equal((await imageInfo(join(dir, ami.uuid, 'disk.swap'))).virtualSize, 16 * 1024 * 1024);
      assert.equal(spec?.kernel?.kernel, join(dir, ami.uuid, 'kernel'));
      assert.ok(existsSync(join(dir, '_base', kernelId)), 'kernels are cached under their image id, out of the cache manager’s reach');
      await waitForConsole(driver, ami, MARKER.ready);
    } finally {
      await driver.destroy(ami, [], null, true);
    }
  });

  it('rescues the guest with its own disk as the second disk, and unrescues it', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const before = (await driver.getConsoleOutput(guest)).split(MARKER.idle).length - 1;
    await driver.rescue(guest, networkInfo, TINY_IMAGE_META, 'rescue-pass', { images: images() });
    const proc = driver.host.guests.get(guest.uuid)?.proc;
    const blocks = await proc?.qmp.execute<{ 'node-name': string; file: string }[]>('query-named-block-nodes', { flat: true });
    const files = Object.fromEntries(
      (blocks ?? []).filter((b) => ['vda', 'vdb'].includes(b['node-name'])).map((b) => [b['node-name'], b.file]),
    );
    assert.equal(files.vda, join(dir, guest.uuid, 'disk.rescue'));
    assert.equal(files.vdb, join(dir, guest.uuid, 'disk'));
    await waitForConsole(driver, guest, MARKER.ready, { count: before + 1 });
    await driver.unrescue(guest, networkInfo);
    assert.equal((await driver.getInfo(guest)).state, PowerState.RUNNING);
    assert.ok(!existsSync(join(dir, guest.uuid, 'disk.rescue')));
  });

  it('reports SHUTDOWN and a STOPPED event when QEMU is killed, and powers back on', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const pid = pidOf(driver, guest) as number;
    const stopped = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (events.some((e) => e.uuid === guest.uuid && e.transition === LifecycleTransition.STOPPED && e.timestamp * 1000 >= killedAt)) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    const killedAt = Date.now() - 1;
    process.kill(pid, 'SIGKILL');
    await stopped;
    assert.equal((await driver.getInfo(guest)).state, PowerState.SHUTDOWN);
    await driver.powerOn(guest, networkInfo, null);
    assert.equal((await driver.getInfo(guest)).state, PowerState.RUNNING);
    assert.notEqual(pidOf(driver, guest), pid);
  });

  it('re-adopts running guests when the driver restarts, and can stop them', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const pid = pidOf(driver, guest);
    driver.detach();
    const restarted = makeQemuDriver(dir, { host: 'qemu-a', metadataForward: `127.0.0.1:${metadataPort}` });
    await restarted.initHost('qemu-a');
    assert.deepEqual(await restarted.listInstanceUuids(), [guest.uuid]);
    assert.equal(pidOf(restarted, guest), pid, 'the same QEMU process, re-adopted');
    assert.equal((await restarted.getInfo(guest)).state, PowerState.RUNNING);
    await restarted.powerOff(guest);
    assert.equal((await restarted.getInfo(guest)).state, PowerState.SHUTDOWN);
    assert.deepEqual(qemuPidsMentioning(guest.uuid), []);
    restarted.detach();
    driver = makeQemuDriver(dir, { host: 'qemu-a', metadataForward: `127.0.0.1:${metadataPort}` });
    driver.registerEventListener((e) => events.push(e));
    await driver.initHost('qemu-a');
    assert.equal((await driver.getInfo(guest)).state, PowerState.SHUTDOWN);
  });

  it('resizes on one host: the disk grows, a revert restores it, a confirm removes the kept copy', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const bigger = { ...guest, root_gb: 2, memory_mb: 192 };
    const migration = { source_compute: 'qemu-a', dest_compute: 'qemu-a' };
    const flavor = { memory_mb: 192, vcpus: 1, root_gb: 2, ephemeral_gb: 0 };
    const diskInfo = JSON.parse(await driver.migrateDiskAndPowerOff(guest, 'qemu-a', flavor, networkInfo, null)) as { path: string }[];
    assert.ok(diskInfo.some((d) => d.path === join(dir, guest.uuid, 'disk')));
    assert.ok(existsSync(join(dir, `${guest.uuid}_resize`)));
    await driver.finishMigration(migration, bigger, '', networkInfo, TINY_IMAGE_META, true, null);
    assert.equal((await driver.getInfo(bigger)).max_mem, 192 * 1024);
    assert.equal((await imageInfo(join(dir, guest.uuid, 'disk'))).virtualSize, 2 * GiB);
    await driver.finishRevertMigration(guest, networkInfo, null);
    assert.equal((await driver.getInfo(guest)).max_mem, 128 * 1024);
    assert.equal((await imageInfo(join(dir, guest.uuid, 'disk'))).virtualSize, GiB);
    assert.ok(!existsSync(join(dir, `${guest.uuid}_resize`)));
    await driver.migrateDiskAndPowerOff(guest, 'qemu-a', flavor, networkInfo, null);
    await driver.finishMigration(migration, bigger, '', networkInfo, TINY_IMAGE_META, true, null);
    await driver.confirmMigration(migration, bigger, networkInfo);
    assert.ok(!existsSync(join(dir, `${guest.uuid}_resize`)));
    assert.equal((await driver.getInfo(bigger)).state, PowerState.RUNNING);
    guest = bigger;
  });

  it('live-migrates to a second QEMU driver sharing instances_path, and refuses what it cannot do', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const dest = makeQemuDriver(dir, { host: 'qemu-b' });
    await dest.initHost('qemu-b');
    try {
      await assert.rejects(dest.checkCanLiveMigrateDestination(guest, {}, {}, true, false), MigrationPreCheckError);
      const notShared = await driver.checkCanLiveMigrateSource(guest, { filename: 'missing.tmp' }).catch((e: unknown) => e);
      assert.ok(notShared instanceof MigrationPreCheckError && notShared.code === 400);
      const destData = await dest.checkCanLiveMigrateDestination(guest, { hypervisor_type: 'QEMU' }, {}, false, false);
      const migrateData = await driver.checkCanLiveMigrateSource(guest, destData);
      await dest.checkCanLiveMigrateDestinationCleanup(destData);
      assert.equal(migrateData.is_shared_storage, true);
      const srcPid = pidOf(driver, guest);
      await dest.preLiveMigration(guest, null, networkInfo, null, migrateData);
      let posted = false;
      await driver.liveMigration(
        guest,
        'qemu-b',
        {
          postMethod: async () => {
            posted = true;
            await dest.postLiveMigrationAtDestination(guest, networkInfo, false, null);
          },
          recoverMethod: async () => assert.fail('the migration should not fail'),
        },
        false,
        migrateData,
      );
      assert.ok(posted);
      assert.deepEqual(await driver.listInstanceUuids(), []);
      assert.deepEqual(await dest.listInstanceUuids(), [guest.uuid]);
      assert.equal((await dest.getInfo(guest)).state, PowerState.RUNNING);
      assert.notEqual(pidOf(dest, guest), srcPid);
      assert.equal(qemuPidsMentioning(guest.uuid).length, 1, 'only the destination QEMU is left');
      await dest.destroy(guest, networkInfo, null, true);
      assert.deepEqual(qemuPidsMentioning(guest.uuid), []);
      assert.ok(!existsSync(join(dir, guest.uuid)), 'no overlay, socket or state file is left');
    } finally {
      for (const uuid of await dest.listInstanceUuids()) await dest.destroy({ ...newInstance(), uuid }, [], null, true);
      dest.detach();
    }
  });

  it('has no way to set an admin password (501)', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const err = await driver.setAdminPassword(newInstance(), 'secret').catch((e: unknown) => e);
    assert.ok(err instanceof NotImplementedError);
    assert.equal(err.code, 501);
  });
});
