/**
 * A real VM through the whole cloud: nova-all's services in this process with
 * compute_driver = qemu, the test guest uploaded through the image API, a server created
 * with POST /servers, ACTIVE, its own boot marker in the console log read through the
 * driver, and after DELETE no QEMU process or instance file left.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import '../../../src/cmd/all-opts.js';
import { type EmbeddedCloud, startEmbeddedCloud } from '../../../src/cmd/embedded-cloud.js';
import { createService } from '../../../src/cmd/service-table.js';
import { prepareStateDir } from '../../../src/cmd/state-dir.js';
import { PowerState } from '../../../src/common/states/power-state.js';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import { Config } from '../../../src/config/config.js';
import { adminContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import type { Service } from '../../../src/service/service.js';
import type { QemuDriver } from '../../../src/virt/qemu/driver.js';
import { withEphemeralPorts } from '../../support/ephemeral-ports.js';
import { requireExternal } from '../../support/externals.js';
import { BOOT_TIMEOUT_MS, MARKER, qemuPidsMentioning, qemuProblem, testImage, waitForConsole } from '../../support/qemu.js';

const problem = qemuProblem();

interface Session {
  token: string;
  compute: string;
  image: string;
}

async function login(identityUrl: string, user: string, password: string, project: string): Promise<Session> {
  const res = await fetch(`${identityUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
  });
  assert.equal(res.status, 201);
  const body = (await res.json()) as { token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] } };
  const url = (type: string): string =>
    body.token.catalog
      .find((c) => c.type === type)
      ?.endpoints.find((e) => e.interface === 'public')
      ?.url.replace(/\/$/, '') ?? '';
  return { token: res.headers.get('x-subject-token') as string, compute: url('compute'), image: url('image') };
}

describe('a server on the QEMU driver through the compute API', () => {
  let dir = '';
  let cloud: EmbeddedCloud;
  let s: Session;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are walked freely by the assertions
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(url, {
      method,
      headers: { 'x-auth-token': s.token, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  before(async () => {
    if (problem) return;
    const image = await testImage();
    dir = mkdtempSync(join(tmpdir(), 'nova-qemu-cloud-'));
    const state = prepareStateDir(dir);
    const conf = Config.load({
      configFiles: [state.configFile],
      overrides: withEphemeralPorts({
        DEFAULT: { compute_driver: 'qemu', qemu_ssh_forward: false },
        identity: { admin_password: 'admin-secret', demo_password: 'demo-secret' },
      }),
    });
    cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
    computeService = cloud.services.find((x) => x.binary === 'nova-compute') as Service;
    s = await login(cloud.identityUrl, cloud.bootstrap.admin.userName, 'admin-secret', cloud.bootstrap.admin.projectName);
    const created = await call('POST', `${s.image}/v2/images`, {
      name: 'tiny',
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'public',
    });
    assert.equal(created.status, 201);
    const upload = await fetch(`${s.image}/v2/images/${created.body.id}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': s.token, 'content-type': 'application/octet-stream' },
      body: readFileSync(image.disk),
    });
    assert.equal(upload.status, 204);
    imageId = created.body.id;
  });
  let imageId = '';
  let computeService: Service;
  const powerState = async (uuid: string): Promise<number | null> =>
    (await instanceGetByUuid(cloud.runtime.db as Db, adminContext(), uuid)).power_state ?? null;

  after(async () => {
    if (problem) return;
    await computeService?.stop();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots to ACTIVE with the guest’s boot marker in its console log, survives a nova-compute restart, and leaves nothing after DELETE', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const posted = await call('POST', `${s.compute}/servers`, { server: { name: 'real-vm', imageRef: imageId, flavorRef: '1' } });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const id = posted.body.server.id as string;
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    let server: { status: string; fault?: unknown; 'OS-EXT-SRV-ATTR:instance_name'?: string };
    for (;;) {
      server = (await call('GET', `${s.compute}/servers/${id}`)).body.server;
      if (server.status !== 'BUILD' || Date.now() > deadline) break;
      await sleep(250);
    }
    assert.equal(server.status, 'ACTIVE', JSON.stringify(server.fault ?? server));
    assert.equal(await powerState(id), PowerState.RUNNING);

    let compute = computeService.manager as ComputeManager;
    const restartCompute = async (): Promise<void> => {
      await computeService.stop();
      // As when the process exits: the monitors are let go, the guests keep running.
      (compute.driver as QemuDriver).detach();
      computeService = createService('nova-compute', cloud.runtime);
      await computeService.start();
      compute = computeService.manager as ComputeManager;
    };
    const guest = { uuid: id, name: server['OS-EXT-SRV-ATTR:instance_name'] ?? '', memory_mb: 0, vcpus: 0, root_gb: 0, ephemeral_gb: 0 };
    const console = await waitForConsole(compute.driver, guest, MARKER.ready);
    assert.match(console, /GUEST-MARKER-READY addr=169\.254\.0\.15\/16/);
    const [pid] = qemuPidsMentioning(id);
    assert.ok(pid);

    // A restarted nova-compute re-adopts the running guest: still ACTIVE, same QEMU, still stoppable.
    await restartCompute();
    assert.equal((await call('GET', `${s.compute}/servers/${id}`)).body.server.status, 'ACTIVE');
    assert.equal(await powerState(id), PowerState.RUNNING);
    assert.deepEqual(qemuPidsMentioning(id), [pid]);

    // A guest whose QEMU died meanwhile is reported shut off by the start-up power-state sync.
    process.kill(pid as number, 'SIGKILL');
    while (qemuPidsMentioning(id).length > 0) await sleep(50);
    await restartCompute();
    assert.equal(await powerState(id), PowerState.SHUTDOWN);

    assert.equal((await call('DELETE', `${s.compute}/servers/${id}`)).status, 204);
    for (;;) {
      const got = await call('GET', `${s.compute}/servers/${id}`);
      if (got.status === 404 || Date.now() > deadline) break;
      await sleep(250);
    }
    assert.deepEqual(qemuPidsMentioning(id), []);
    assert.ok(!existsSync(join(dir, 'instances', id)), 'no overlay, socket or console log left');
  });
});
