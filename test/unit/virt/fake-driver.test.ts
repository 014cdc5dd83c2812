import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { InstanceExists, InstanceNotFound, InvalidConfig } from '../../../src/common/errors.js';
import { PowerState } from '../../../src/common/states/power-state.js';
import type { TaskState } from '../../../src/common/states/task-states.js';
import { Config } from '../../../src/config/config.js';
import {
  ComputeDriverNotFound,
  DevicePathInUse,
  DiskNotFound,
  InstanceNotInRescueMode,
  InstanceNotRunning,
  InterfaceAttachFailed,
} from '../../../src/virt/errors.js';
import { type LifecycleEvent, LifecycleTransition } from '../../../src/virt/event.js';
import { loadDriver } from '../../../src/virt/factory.js';
import { FakeDriver } from '../../../src/virt/fake/driver.js';
import type { FakeDriverOptions } from '../../../src/virt/fake/opts.js';
import { makeFixedIp, makeNetwork, makeSubnet, makeVif, type NetworkInfo } from '../../../src/virt/network-model.js';
import type { VirtInstance } from '../../../src/virt/types.js';
import { runDriverContract } from './driver-contract.js';

const options = (over: Partial<FakeDriverOptions> = {}): FakeDriverOptions => ({
  host: 'fake-host',
  nodes: ['fake-node'],
  vcpus: 16,
  memoryMb: 32768,
  localGb: 500,
  hostIp: '192.0.2.10',
  delaysMs: {},
  ...over,
});

runDriverContract('fake', async () => ({
  driver: new FakeDriver(options()),
  nodename: 'fake-node',
  imageMeta: { id: 'img-1', disk_format: 'qcow2' },
}));

let counter = 0;
const instance = (over: Partial<VirtInstance> = {}): VirtInstance => ({
  uuid: randomUUID(),
  name: `instance-${(++counter).toString(16).padStart(8, '0')}`,
  memory_mb: 512,
  vcpus: 2,
  root_gb: 10,
  ephemeral_gb: 5,
  image_ref: 'img-1',
  node: 'fake-node',
  ...over,
});

const networkInfo: NetworkInfo = [
  makeVif({
    id: '8f4c1a2e-0000-4000-8000-000000000001',
    address: 'fa:16:3e:00:00:01',
    network: makeNetwork({
      id: 'net-1',
      label: 'private',
      bridge: 'br100',
      subnets: [makeSubnet({ cidr: '10.0.0.0/24', gateway: '10.0.0.1', ips: [makeFixedIp('10.0.0.2')] })],
    }),
  }),
];

const conf = (defaults: Record<string, unknown>): Config => Config.load({ overrides: { DEFAULT: defaults } });

describe('FakeDriver', () => {
  it('reports the configured resources and usage computed from the guests it holds', async () => {
    const driver = loadDriver(conf({ compute_driver: 'fake', host: 'compute-7', fake_vcpus: 8, fake_memory_mb: 4096, fake_local_gb: 100 }));
    assert.deepEqual(await driver.getAvailableNodes(), ['compute-7']);
    const a = instance({ node: 'compute-7' });
    const b = instance({ node: 'compute-7', vcpus: 1, memory_mb: 256, root_gb: 1, ephemeral_gb: 0 });
    await driver.spawn(a, {}, [], null, [], null);
    await driver.spawn(b, {}, [], null, [], null);
    await driver.powerOff(b);
    const res = await driver.getAvailableResource('compute-7');
    assert.deepEqual(
      { ...res, cpu_info: undefined },
      {
        vcpus: 8,
        memory_mb: 4096,
        local_gb: 100,
        vcpus_used: 3,
        memory_mb_used: 768,
        local_gb_used: 16,
        hypervisor_type: 'fake',
        hypervisor_version: 1000000,
        hypervisor_hostname: 'compute-7',
        cpu_info: undefined,
        disk_available_least: 84,
      },
    );
    assert.equal(JSON.parse(res?.cpu_info ?? '{}').topology.cores, 8);
    assert.equal(await driver.getAvailableResource('another-node'), null);
    const [stats] = await driver.getHostStats();
    assert.equal(stats?.host_memory_free, (4096 - 768) * 1024 * 1024);
    assert.equal(stats?.disk_total, 100 * 1024 ** 3);
  });

  it('names its node after fake_hypervisor_hostname when set', async () => {
    const driver = loadDriver(conf({ compute_driver: 'fake', host: 'compute-7', fake_hypervisor_hostname: 'hv-7.example' }));
    assert.deepEqual(await driver.getAvailableNodes(), ['hv-7.example']);
  });

  it('takes fake_spawn_delay_ms to spawn and fake_delays_ms for other operations', async () => {
    const driver = loadDriver(conf({ compute_driver: 'fake', host: 'h', fake_spawn_delay_ms: 120, fake_delays_ms: { reboot: '80' } }));
    const i = instance({ node: 'h' });
    let t = performance.now();
    const spawning = driver.spawn(i, {}, [], null, [], null);
    assert.ok(!(await driver.listInstances()).includes(i.name), 'not there before the delay ends');
    await spawning;
    assert.ok(performance.now() - t >= 110, `spawn took ${performance.now() - t} ms`);
    t = performance.now();
    await driver.reboot(i, [], 'SOFT');
    assert.ok(performance.now() - t >= 70, `reboot took ${performance.now() - t} ms`);
    t = performance.now();
    await driver.pause(i);
    assert.ok(performance.now() - t < 60, 'pause has no delay configured');
  });

  it('rejects a fake_delays_ms entry for an operation it does not have', () => {
    assert.throws(() => loadDriver(conf({ compute_driver: 'fake', fake_delays_ms: { teleport: '5' } })), InvalidConfig);
    assert.throws(() => loadDriver(conf({ compute_driver: 'fake', fake_delays_ms: { reboot: 'soon' } })), InvalidConfig);
  });

  it('refuses to pause a stopped guest and to unrescue one that is not rescued', async () => {
    const driver = new FakeDriver(options());
    const i = instance();
    await driver.spawn(i, {}, [], null, [], null);
    await driver.powerOff(i);
    await assert.rejects(driver.pause(i), InstanceNotRunning);
    await assert.rejects(driver.unrescue(i, []), InstanceNotInRescueMode);
    assert.equal((await driver.getInfo(i)).state, PowerState.SHUTDOWN);
  });

  it('rescues a stopped guest into RUNNING and unrescues it back to its own disk', async () => {
    const driver = new FakeDriver(options());
    const i = instance();
    await driver.spawn(i, {}, [], null, [], null);
    await driver.powerOff(i);
    await driver.rescue(i, [], { id: 'rescue-img' }, 'r3scue');
    assert.equal((await driver.getInfo(i)).state, PowerState.RUNNING);
    assert.ok(driver.isRescued(i));
    assert.equal(driver.adminPassword(i), 'r3scue');
    assert.match(await driver.getConsoleOutput(i), /Booting rescue image rescue-img/);
    await driver.unrescue(i, []);
    assert.ok(!driver.isRescued(i));
    assert.equal((await driver.getInfo(i)).state, PowerState.RUNNING);
  });

  it('writes console output and diagnostics from the guest it holds', async () => {
    const driver = new FakeDriver(options());
    const i = instance({ hostname: 'web-1' });
    await driver.spawn(i, {}, [{ path: '/etc/motd', contents: Buffer.from('hi') }], 'pw', networkInfo, null);
    const output = await driver.getConsoleOutput(i);
    assert.match(output, new RegExp(`Booting ${i.name} \\(${i.uuid}\\) from image img-1`));
    assert.match(output, /eth0: fa:16:3e:00:00:01 10\.0\.0\.2/);
    assert.match(output, /web-1 login:/);
    assert.equal(driver.injectedFiles(i).get('/etc/motd')?.toString(), 'hi');
    const diagnostics = await driver.getDiagnostics(i);
    assert.equal(diagnostics.memory, 512 * 1024);
    assert.ok('cpu0_time' in diagnostics && 'cpu1_time' in diagnostics && !('cpu2_time' in diagnostics));
    assert.ok('tap8f4c1a2e-00_rx' in diagnostics);
    await driver.powerOff(i);
    assert.equal((await driver.getDiagnostics(i))['memory-actual'], 0);
  });

  it('emits lifecycle events as guests change power state', async () => {
    const driver = new FakeDriver(options());
    const events: LifecycleEvent[] = [];
    driver.registerEventListener((e) => events.push(e));
    const i = instance();
    await driver.spawn(i, {}, [], null, [], null);
    await driver.pause(i);
    await driver.unpause(i);
    await driver.powerOff(i);
    assert.deepEqual(
      events.map((e) => [e.uuid, e.transition]),
      [
        [i.uuid, LifecycleTransition.STARTED],
        [i.uuid, LifecycleTransition.PAUSED],
        [i.uuid, LifecycleTransition.RESUMED],
        [i.uuid, LifecycleTransition.STOPPED],
      ],
    );
  });

  it('moves the task through pending-upload and uploading, then uploads the disk on snapshot', async () => {
    const driver = new FakeDriver(options());
    const i = instance();
    await driver.spawn(i, {}, [], null, [], null);
    const calls: [TaskState, TaskState | undefined][] = [];
    let uploaded: { meta: unknown; data: Buffer } | null = null;
    await driver.snapshot(i, 'snap-1', {
      updateTaskState: async (task, expected) => void calls.push([task, expected]),
      upload: async (meta, data) => {
        assert.ok(Buffer.isBuffer(data), 'the fake driver uploads its disk from memory');
        uploaded = { meta, data };
      },
    });
    assert.deepEqual(calls, [
      ['image_pending_upload', undefined],
      ['image_uploading', 'image_pending_upload'],
    ]);
    const got = uploaded as { meta: unknown; data: Buffer } | null;
    assert.deepEqual(got?.meta, { disk_format: 'raw', container_format: 'bare' });
    assert.equal(JSON.parse(got?.data.toString() ?? '{}').instance_uuid, i.uuid);
    await assert.rejects(
      driver.snapshot(instance(), 'snap-2', { updateTaskState: async () => {}, upload: async () => {} }),
      InstanceNotFound,
    );
  });

  it('attaches volumes and interfaces once, and refuses to detach what is not there', async () => {
    const driver = new FakeDriver(options());
    const i = instance();
    await driver.spawn(i, {}, [], null, networkInfo, null);
    const conn = { driver_volume_type: 'iscsi', data: { target_iqn: 'iqn.x' } };
    await driver.attachVolume(conn, i, '/dev/vdb');
    await assert.rejects(driver.attachVolume(conn, i, '/dev/vdb'), DevicePathInUse);
    assert.deepEqual([...driver.mounts(i).keys()], ['/dev/vdb']);
    await driver.detachVolume(conn, i, '/dev/vdb');
    await assert.rejects(driver.detachVolume(conn, i, '/dev/vdb'), DiskNotFound);
    await assert.rejects(driver.attachInterface(i, {}, networkInfo[0] as never), InterfaceAttachFailed);
    await driver.detachInterface(i, networkInfo[0] as never);
    assert.deepEqual(driver.vifs(i), []);
  });

  it('resizes: the source hands the guest over, the destination boots the new size, revert restores the original', async () => {
    const driver = new FakeDriver(options());
    const i = instance();
    await driver.spawn(i, {}, [], null, [], null);
    const diskInfo = await driver.migrateDiskAndPowerOff(i, 'fake-host', { memory_mb: 1024, vcpus: 4, root_gb: 20, ephemeral_gb: 0 }, []);
    assert.equal(JSON.parse(diskInfo)[0].virt_disk_size, 10 * 1024 ** 3);
    assert.ok(!(await driver.listInstances()).includes(i.name));
    const resized = { ...i, memory_mb: 1024, vcpus: 4, root_gb: 20, ephemeral_gb: 0 };
    const migration = { source_compute: 'fake-host', dest_compute: 'fake-host' };
    await driver.finishMigration(migration, resized, diskInfo, [], {}, true);
    assert.equal((await driver.getInfo(resized)).num_cpu, 4);
    await driver.destroy(resized, []);
    await driver.finishRevertMigration(i, []);
    const info = await driver.getInfo(i);
    assert.equal(info.state, PowerState.RUNNING);
    assert.equal(info.num_cpu, 2);
    await assert.rejects(driver.finishMigration(migration, resized, diskInfo, [], {}, true), InstanceExists);
  });

  it('live-migrates a running guest from one fake host to another', async () => {
    const source = new FakeDriver(options({ host: 'src', nodes: ['src'] }));
    const dest = new FakeDriver(options({ host: 'dst', nodes: ['dst'] }));
    const i = instance({ node: 'src' });
    await source.spawn(i, {}, [], null, [], null);
    const check = await dest.checkCanLiveMigrateDestination(i, {}, {}, false, false);
    const data = await source.checkCanLiveMigrateSource(i, check);
    let posted = false;
    await source.liveMigration(
      i,
      'dst',
      {
        postMethod: async (inst) => {
          posted = true;
          await dest.postLiveMigrationAtDestination(inst, [], false);
        },
        recoverMethod: async () => assert.fail('recover must not run'),
      },
      false,
      data,
    );
    assert.ok(posted);
    assert.deepEqual(await source.listInstances(), []);
    assert.equal((await dest.getInfo(i)).state, PowerState.RUNNING);
  });
});

describe('FakeDriver spawn extras', () => {
  it('keeps the config drive it was given, as a real driver would attach it', async () => {
    const driver = new FakeDriver(options());
    const i = instance();
    const files = new Map([['openstack/latest/meta_data.json', Buffer.from('{}')]]);
    await driver.spawn(i, {}, [], null, [], null, { configDrive: { files } });
    assert.equal(driver.configDriveFiles(i)?.get('openstack/latest/meta_data.json')?.toString(), '{}');
    const plain = instance();
    await driver.spawn(plain, {}, [], null, [], null);
    assert.equal(driver.configDriveFiles(plain), null);
  });
});

describe('loadDriver', () => {
  it('accepts the Grizzly class path, the short form and the bare name of the fake driver', () => {
    for (const name of ['nova.virt.fake.FakeDriver', 'fake.FakeDriver', 'fake']) {
      assert.ok(loadDriver(conf({ compute_driver: name })) instanceof FakeDriver, name);
    }
  });

  it('stops with a clear error for an unknown or missing compute_driver', () => {
    assert.throws(
      () => loadDriver(conf({ compute_driver: 'xenapi.XenAPIDriver' })),
      (err: unknown) => {
        assert.ok(err instanceof ComputeDriverNotFound);
        assert.match(err.message, /compute_driver = xenapi\.XenAPIDriver is not a driver nova-ts knows; use one of: .*fake/);
        return true;
      },
    );
    assert.throws(() => loadDriver(conf({})), /compute_driver is not set/);
  });
});
