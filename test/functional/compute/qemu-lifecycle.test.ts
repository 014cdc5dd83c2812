/**
 * One real guest through a user's whole server lifecycle, once with the QEMU driver and
 * once with the libvirt driver (TCG domains on the libvirtd scripts/start-libvirtd.sh
 * starts): nova-all's services in this process, the test image booted through
 * POST /servers, then every action a user would send, over HTTP. Each boot of the guest
 * appends its ready marker to console.log (QEMU opens it with append=on), so the number
 * of markers tells whether an action booted the guest again (stop/start, reboots, rescue)
 * or kept the same boot running (pause, suspend: the saved state is restored, not booted).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import '../../../src/cmd/all-opts.js';
import { type EmbeddedCloud, startEmbeddedCloud } from '../../../src/cmd/embedded-cloud.js';
import { prepareStateDir } from '../../../src/cmd/state-dir.js';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import { Config } from '../../../src/config/config.js';
import type { Service } from '../../../src/service/service.js';
import { InstancePaths } from '../../../src/virt/instance-paths.js';
import { libvirtProblem } from '../../integration/virt/libvirt-harness.js';
import { withEphemeralPorts } from '../../support/ephemeral-ports.js';
import { requireExternal } from '../../support/externals.js';
import { BOOT_TIMEOUT_MS, MARKER, qemuPidsMentioning, qemuProblem, testImage } from '../../support/qemu.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are walked freely by the assertions
type Reply = { status: number; headers: Headers; body: any };

/** Both real drivers keep each guest's files (console.log among them) in instances_path/<uuid>. */
interface RealDriver {
  options: { instancesPath: string };
}

/** A failed libvirt run leaves its domains defined in libvirtd: ours are those whose disks live under `dir`. */
function undefineDomainsUnder(dir: string): void {
  const virsh = (...args: string[]): string =>
    spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8', timeout: 30_000 }).stdout ?? '';
  for (const name of virsh('list', '--all', '--name').split('\n').filter(Boolean)) {
    if (!virsh('dumpxml', name).includes(dir)) continue;
    virsh('destroy', name);
    virsh('undefine', '--managed-save', name);
  }
}

function lifecycleSuite(driverName: string, external: string, problem: string | null, driverConf: Record<string, unknown>): void {
  describe(`a real ${driverName} guest through the server lifecycle over the compute API`, () => {
    let dir = '';
    let cloud: EmbeddedCloud;
    let token = '';
    let computeUrl = '';
    let imageUrl = '';
    let imageId = '';

    const call = async (method: string, url: string, body?: unknown): Promise<Reply> => {
      const res = await fetch(url, {
        method,
        headers: { 'x-auth-token': token, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    };

    before(async () => {
      if (problem) return;
      const image = await testImage();
      dir = mkdtempSync(join(tmpdir(), 'nova-qemu-life-'));
      const state = prepareStateDir(dir);
      const conf = Config.load({
        configFiles: [state.configFile],
        overrides: withEphemeralPorts({
          DEFAULT: driverConf,
          identity: { admin_password: 'admin-secret', demo_password: 'demo-secret' },
        }),
      });
      cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
      const res = await fetch(`${cloud.identityUrl}/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: cloud.bootstrap.admin.userName, domain: { id: 'default' }, password: 'admin-secret' } },
            },
            scope: { project: { name: cloud.bootstrap.admin.projectName, domain: { id: 'default' } } },
          },
        }),
      });
      assert.equal(res.status, 201);
      token = res.headers.get('x-subject-token') as string;
      const catalog = ((await res.json()) as { token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] } })
        .token.catalog;
      const url = (type: string): string =>
        catalog
          .find((c) => c.type === type)
          ?.endpoints.find((e) => e.interface === 'public')
          ?.url.replace(/\/$/, '') ?? '';
      computeUrl = url('compute');
      imageUrl = url('image');
      const created = await call('POST', `${imageUrl}/v2/images`, {
        name: 'tiny',
        disk_format: 'qcow2',
        container_format: 'bare',
        visibility: 'public',
      });
      assert.equal(created.status, 201);
      const upload = await fetch(`${imageUrl}/v2/images/${created.body.id}/file`, {
        method: 'PUT',
        headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' },
        body: readFileSync(image.disk),
      });
      assert.equal(upload.status, 204);
      imageId = created.body.id;
    });

    after(async () => {
      if (problem) return;
      await cloud?.stop();
      // A failed run leaves its guests running (stopping the cloud does not stop them): ours go by PID.
      for (const pid of qemuPidsMentioning(dir)) process.kill(pid, 'SIGKILL');
      if (driverConf.compute_driver === 'libvirt') undefineDomainsUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    });

    /** Polls the server until it is in `status` with no task under way; returns it as last seen. */
    // biome-ignore lint/suspicious/noExplicitAny: the server body is walked freely by the assertions
    const settle = async (id: string, status: string): Promise<any> => {
      const deadline = Date.now() + BOOT_TIMEOUT_MS;
      for (;;) {
        const server = (await call('GET', `${computeUrl}/servers/${id}`)).body.server;
        if (server.status === 'ERROR' || Date.now() > deadline) return server;
        if (server.status === status && server['OS-EXT-STS:task_state'] === null) return server;
        await sleep(250);
      }
    };

    const action = async (id: string, body: Record<string, unknown>, status = 202): Promise<Reply> => {
      const reply = await call('POST', `${computeUrl}/servers/${id}/action`, body);
      assert.equal(reply.status, status, `${Object.keys(body)[0]}: ${JSON.stringify(reply.body)}`);
      return reply;
    };

    const expectState = async (id: string, status: string, powerState: number, what: string): Promise<void> => {
      const server = await settle(id, status);
      assert.equal(server.status, status, `${what}: ${JSON.stringify(server.fault ?? server)}`);
      assert.equal(server['OS-EXT-STS:power_state'], powerState, `${what}: power state`);
    };

    const consoleLog = (id: string): string => {
      const file = new InstancePaths(qemuDriver().options.instancesPath, id).consoleLog;
      return existsSync(file) ? readFileSync(file, 'utf8') : '';
    };
    const boots = (id: string): number => consoleLog(id).split(MARKER.ready).length - 1;
    /** What the console showed between boot marker #n-1 and boot marker #n: how the guest went down and came back. */
    const beforeBoot = (id: string, n: number): string => consoleLog(id).split(MARKER.ready)[n - 1] ?? '';
    /** Waits until the guest has printed its ready marker `count` times in all, and its idle marker after it. */
    const waitForBoot = async (id: string, count: number, what: string): Promise<void> => {
      const deadline = Date.now() + BOOT_TIMEOUT_MS;
      for (;;) {
        const log = consoleLog(id);
        const ready = log.split(MARKER.ready).length - 1;
        if (ready >= count && log.slice(log.lastIndexOf(MARKER.ready)).includes(MARKER.idle)) {
          assert.equal(ready, count, `${what}: one boot, not more`);
          return;
        }
        if (Date.now() > deadline) assert.fail(`${what}: the guest never printed boot marker #${count}; console:\n${log.slice(-2000)}`);
        await sleep(200);
      }
    };

    const qemuDriver = (): RealDriver =>
      ((cloud.services.find((x) => x.binary === 'nova-compute') as Service).manager as ComputeManager).driver as unknown as RealDriver;

    it('stop, start, soft and hard reboot, pause, suspend, createImage, rescue, console output and delete all act on the real guest', async (t) => {
      if (!requireExternal(t, external, problem)) return;
      const booted = await call('POST', `${computeUrl}/servers`, { server: { name: 'lifer', imageRef: imageId, flavorRef: '1' } });
      assert.equal(booted.status, 202, JSON.stringify(booted.body));
      const id = booted.body.server.id as string;
      await expectState(id, 'ACTIVE', 1, 'boot');
      await waitForBoot(id, 1, 'first boot');
      const [pid] = qemuPidsMentioning(id);
      assert.ok(pid, 'a QEMU process runs the guest');

      await action(id, { 'os-stop': null });
      await expectState(id, 'SHUTOFF', 4, 'os-stop');
      assert.deepEqual(qemuPidsMentioning(id), [], 'a stopped guest has no QEMU process');

      await action(id, { 'os-start': null });
      await expectState(id, 'ACTIVE', 1, 'os-start');
      await waitForBoot(id, 2, 'os-start');

      await action(id, { reboot: { type: 'SOFT' } });
      await expectState(id, 'ACTIVE', 1, 'soft reboot');
      await waitForBoot(id, 3, 'soft reboot');
      // A soft reboot is the ACPI power button: the guest's acpid powers it off and the kernel says so.
      assert.match(beforeBoot(id, 3), /reboot: Power down/, 'the guest powered itself off before the soft reboot');

      await action(id, { reboot: { type: 'HARD' } });
      await expectState(id, 'ACTIVE', 1, 'hard reboot');
      await waitForBoot(id, 4, 'hard reboot');
      assert.doesNotMatch(beforeBoot(id, 4), /reboot: Power down/, 'a hard reboot gives the guest no say');

      const runningPid = qemuPidsMentioning(id)[0];
      await action(id, { pause: null });
      await expectState(id, 'PAUSED', 3, 'pause');
      assert.deepEqual(qemuPidsMentioning(id), [runningPid], 'a paused guest keeps its QEMU process');
      await action(id, { unpause: null });
      await expectState(id, 'ACTIVE', 1, 'unpause');

      await action(id, { suspend: null });
      await expectState(id, 'SUSPENDED', 7, 'suspend');
      assert.deepEqual(qemuPidsMentioning(id), [], 'a suspended guest is saved to a file, its QEMU gone');
      await action(id, { resume: null });
      await expectState(id, 'ACTIVE', 1, 'resume');
      assert.equal(qemuPidsMentioning(id).length, 1, 'resumed into a new QEMU process');
      assert.equal(boots(id), 4, 'pause and suspend kept the same boot running');

      const snap = await action(id, { createImage: { name: 'lifer-snap' } });
      const snapId = (snap.headers.get('location') ?? '').split('/').pop() as string;
      assert.ok(snapId, 'createImage answers with the image in Location');
      await expectState(id, 'ACTIVE', 1, 'createImage');
      const image = (await call('GET', `${imageUrl}/v2/images/${snapId}`)).body;
      assert.equal(image.status, 'active', JSON.stringify(image));
      assert.ok(image.size > 0, `the snapshot has data: ${JSON.stringify(image)}`);
      const fromSnap = await call('POST', `${computeUrl}/servers`, { server: { name: 'from-snap', imageRef: snapId, flavorRef: '1' } });
      assert.equal(fromSnap.status, 202, JSON.stringify(fromSnap.body));
      const second = fromSnap.body.server.id as string;
      await expectState(second, 'ACTIVE', 1, 'server from the snapshot');
      await waitForBoot(second, 1, 'server from the snapshot');
      assert.equal((await call('DELETE', `${computeUrl}/servers/${second}`)).status, 204);

      const rescue = await action(id, { rescue: null }, 200);
      assert.equal(typeof rescue.body.adminPass, 'string');
      await expectState(id, 'RESCUE', 1, 'rescue');
      await waitForBoot(id, 5, 'rescue boots the rescue image');
      await action(id, { unrescue: null });
      await expectState(id, 'ACTIVE', 1, 'unrescue');
      await waitForBoot(id, 6, 'unrescue boots the original disk');

      const out = await action(id, { 'os-getConsoleOutput': {} }, 200);
      assert.ok(typeof out.body.output === 'string' && out.body.output.includes(MARKER.idle), 'the guest’s own console text');
      // The API drops control characters, as Nova does; what is left is the log's tail.
      const printable = [...consoleLog(id)].filter((c) => c === '\t' || c === '\n' || c.charCodeAt(0) > 0x1f).join('');
      assert.ok(out.body.output.length > 0 && printable.endsWith(out.body.output), 'the tail of the real console log');
      const tail = await action(id, { 'os-getConsoleOutput': { length: 3 } }, 200);
      assert.ok(tail.body.output.split('\n').length <= 4, 'length limits the lines returned');

      const lastPid = qemuPidsMentioning(id)[0] as number;
      const instanceDir = new InstancePaths(qemuDriver().options.instancesPath, id).dir;
      assert.ok(existsSync(instanceDir));
      assert.equal((await call('DELETE', `${computeUrl}/servers/${id}`)).status, 204);
      const deadline = Date.now() + BOOT_TIMEOUT_MS;
      for (const server of [id, second]) {
        while ((await call('GET', `${computeUrl}/servers/${server}`)).status !== 404 && Date.now() < deadline) await sleep(250);
        assert.equal((await call('GET', `${computeUrl}/servers/${server}`)).status, 404);
        assert.deepEqual(qemuPidsMentioning(server), []);
      }
      assert.throws(() => process.kill(lastPid, 0), /ESRCH/, 'the guest’s QEMU process is gone');
      assert.ok(!existsSync(instanceDir), 'the instance directory is removed');
    });
  });
}

lifecycleSuite('QEMU', 'QEMU', qemuProblem(), { compute_driver: 'qemu', qemu_ssh_forward: false, qemu_user_network_restrict: true });
lifecycleSuite('libvirt', 'libvirtd', libvirtProblem(), {
  compute_driver: 'libvirt',
  libvirt_type: 'qemu',
  libvirt_uri: 'qemu:///system',
  libvirt_user_network: true,
  libvirt_cpu_mode: 'none',
});
