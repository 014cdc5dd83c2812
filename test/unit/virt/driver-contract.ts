import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { InstanceExists, InstanceNotFound } from '../../../src/common/errors.js';
import { PowerState } from '../../../src/common/states/power-state.js';
import type { ComputeDriver } from '../../../src/virt/driver.js';
import type { NetworkInfo } from '../../../src/virt/network-model.js';
import type { ImageMeta, VirtInstance } from '../../../src/virt/types.js';

/** What a driver under test brings: the driver, the node it manages, and how to boot on it. */
export interface DriverContractHarness {
  driver: ComputeDriver;
  nodename: string;
  /** Image metadata spawn can boot from on this driver. */
  imageMeta: ImageMeta;
  /** Extra instance fields the driver needs (an image_ref it can find, say). */
  instanceDefaults?: Partial<VirtInstance>;
  networkInfo?: NetworkInfo;
  cleanup?: () => Promise<void>;
}

export type MakeHarness = () => Promise<DriverContractHarness>;

const AVAILABLE_RESOURCE_KEYS = [
  'vcpus',
  'memory_mb',
  'local_gb',
  'vcpus_used',
  'memory_mb_used',
  'local_gb_used',
  'hypervisor_type',
  'hypervisor_version',
  'hypervisor_hostname',
  'cpu_info',
];

const isNotFound = (err: unknown): boolean => err instanceof InstanceNotFound;

/**
 * The behaviour every compute driver shares (fake, QEMU, libvirt): call this from a
 * `*.test.ts` file with a harness maker; it registers one describe block of tests.
 */
export function runDriverContract(name: string, makeHarness: MakeHarness): void {
  describe(`ComputeDriver contract: ${name}`, () => {
    let h: DriverContractHarness;
    const base = randomInt(0x100000, 0xfffff0) * 0x10;
    let seq = 0;

    const newInstance = (): VirtInstance => {
      const id = base + seq++;
      return {
        uuid: randomUUID(),
        name: `instance-${id.toString(16).padStart(8, '0')}`,
        memory_mb: 64,
        vcpus: 1,
        root_gb: 1,
        ephemeral_gb: 0,
        hostname: `contract-${id}`,
        node: h.nodename,
        ...h.instanceDefaults,
      };
    };

    const nw = (): NetworkInfo => h.networkInfo ?? [];

    const spawn = async (): Promise<VirtInstance> => {
      const instance = newInstance();
      await h.driver.spawn(instance, h.imageMeta, [], 'contract-secret', nw(), null);
      return instance;
    };

    const withGuest = async (body: (instance: VirtInstance) => Promise<void>): Promise<void> => {
      const instance = await spawn();
      try {
        await body(instance);
      } finally {
        await h.driver.destroy(instance, nw(), null, true);
      }
    };

    const powerState = async (instance: VirtInstance): Promise<number> => (await h.driver.getInfo(instance)).state;

    before(async () => {
      h = await makeHarness();
      await h.driver.initHost(h.nodename);
    });

    after(async () => {
      await h.cleanup?.();
    });

    it('spawns a guest that is listed and RUNNING', async () => {
      await withGuest(async (instance) => {
        assert.ok((await h.driver.listInstances()).includes(instance.name));
        assert.ok(await h.driver.instanceExists(instance.name));
        const info = await h.driver.getInfo(instance);
        assert.equal(info.state, PowerState.RUNNING);
        assert.equal(info.num_cpu, instance.vcpus);
        assert.equal(info.max_mem, instance.memory_mb * 1024);
        assert.ok(info.cpu_time >= 0);
      });
    });

    it('refuses to spawn a guest that already exists', async () => {
      await withGuest(async (instance) => {
        await assert.rejects(h.driver.spawn(instance, h.imageMeta, [], null, nw(), null), InstanceExists);
        assert.equal(await powerState(instance), PowerState.RUNNING);
      });
    });

    it('keeps a guest RUNNING through soft and hard reboots', async () => {
      await withGuest(async (instance) => {
        await h.driver.reboot(instance, nw(), 'SOFT', null);
        assert.equal(await powerState(instance), PowerState.RUNNING);
        await h.driver.reboot(instance, nw(), 'HARD', null);
        assert.equal(await powerState(instance), PowerState.RUNNING);
      });
    });

    it('powers a guest off to SHUTDOWN and on to RUNNING', async () => {
      await withGuest(async (instance) => {
        await h.driver.powerOff(instance);
        assert.equal(await powerState(instance), PowerState.SHUTDOWN);
        assert.ok((await h.driver.listInstances()).includes(instance.name), 'a stopped guest is still defined');
        await h.driver.powerOn(instance, nw(), null);
        assert.equal(await powerState(instance), PowerState.RUNNING);
      });
    });

    it('brings a stopped guest back to RUNNING with a hard reboot', async () => {
      await withGuest(async (instance) => {
        await h.driver.powerOff(instance);
        await h.driver.reboot(instance, nw(), 'HARD', null);
        assert.equal(await powerState(instance), PowerState.RUNNING);
      });
    });

    it('pauses a guest to PAUSED and unpauses it to RUNNING', async () => {
      await withGuest(async (instance) => {
        await h.driver.pause(instance);
        assert.equal(await powerState(instance), PowerState.PAUSED);
        await h.driver.unpause(instance);
        assert.equal(await powerState(instance), PowerState.RUNNING);
      });
    });

    it('suspends a guest to SUSPENDED and resumes it to RUNNING', async () => {
      await withGuest(async (instance) => {
        await h.driver.suspend(instance);
        assert.equal(await powerState(instance), PowerState.SUSPENDED);
        await h.driver.resume(instance, nw(), null);
        assert.equal(await powerState(instance), PowerState.RUNNING);
      });
    });

    it('destroys a guest so it is gone, and a second destroy still succeeds', async () => {
      const instance = await spawn();
      await h.driver.destroy(instance, nw(), null, true);
      assert.ok(!(await h.driver.listInstances()).includes(instance.name));
      assert.ok(!(await h.driver.listInstanceUuids()).includes(instance.uuid));
      await assert.rejects(h.driver.getInfo(instance), isNotFound);
      await h.driver.destroy(instance, nw(), null, true);
    });

    it('answers InstanceNotFound for every operation on a guest it does not have', async () => {
      const ghost = newInstance();
      await assert.rejects(h.driver.getInfo(ghost), isNotFound);
      await assert.rejects(h.driver.reboot(ghost, nw(), 'SOFT', null), isNotFound);
      await assert.rejects(h.driver.powerOff(ghost), isNotFound);
      await assert.rejects(h.driver.powerOn(ghost, nw(), null), isNotFound);
      await assert.rejects(h.driver.pause(ghost), isNotFound);
      await assert.rejects(h.driver.unpause(ghost), isNotFound);
      await assert.rejects(h.driver.suspend(ghost), isNotFound);
      await assert.rejects(h.driver.resume(ghost, nw(), null), isNotFound);
      await assert.rejects(h.driver.getConsoleOutput(ghost), isNotFound);
      await h.driver.destroy(ghost, nw(), null, true);
    });

    it('reports the compute_nodes resources of its node, with usage following spawn and destroy', async () => {
      assert.ok((await h.driver.getAvailableNodes()).includes(h.nodename));
      const before = await h.driver.getAvailableResource(h.nodename);
      assert.ok(before);
      for (const key of AVAILABLE_RESOURCE_KEYS) assert.ok(key in before, `missing ${key}`);
      assert.equal(before.hypervisor_hostname, h.nodename);
      assert.equal(typeof JSON.parse(before.cpu_info), 'object');
      for (const key of [
        'vcpus',
        'memory_mb',
        'local_gb',
        'vcpus_used',
        'memory_mb_used',
        'local_gb_used',
        'hypervisor_version',
      ] as const) {
        assert.ok(Number.isFinite(before[key]) && before[key] >= 0, `${key} = ${before[key]}`);
      }
      const instance = await spawn();
      let during: Awaited<ReturnType<ComputeDriver['getAvailableResource']>>;
      try {
        during = await h.driver.getAvailableResource(h.nodename);
      } finally {
        await h.driver.destroy(instance, nw(), null, true);
      }
      assert.equal(during?.vcpus_used, before.vcpus_used + instance.vcpus);
      const afterDestroy = await h.driver.getAvailableResource(h.nodename);
      assert.equal(afterDestroy?.vcpus_used, before.vcpus_used);
    });

    it('reports host stats for its node', async () => {
      const stats = await h.driver.getHostStats(true);
      assert.ok(stats.some((s) => s.hypervisor_hostname === h.nodename));
    });

    it('gives non-empty console output for a running guest', async () => {
      await withGuest(async (instance) => {
        const output = await h.driver.getConsoleOutput(instance);
        assert.equal(typeof output, 'string');
        assert.ok(output.trim().length > 0);
      });
    });
  });
}
