/**
 * Real guests read their own metadata: nova-all's services in this process with the QEMU
 * driver on its user-mode network, the metadata service identifying guests by the signed
 * headers of their forwarders (as nova-all sets it up), two servers booted through the
 * compute API at once. The test guest's /init reads 169.254.169.254 and its config drive
 * and prints what it found on its serial console; the assertions read the console log.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import '../../../src/cmd/all-opts.js';
import { type EmbeddedCloud, startEmbeddedCloud } from '../../../src/cmd/embedded-cloud.js';
import { prepareStateDir } from '../../../src/cmd/state-dir.js';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import { Config } from '../../../src/config/config.js';
import { metadataApiOpts } from '../../../src/config/metadata-api-opts.js';
import type { Db } from '../../../src/db/api/common.js';
import { ec2IdGetOrCreate } from '../../../src/db/api/ec2-id-mappings.js';
import { formatEc2Id } from '../../../src/metadata/source.js';
import type { Service } from '../../../src/service/service.js';
import { withEphemeralPorts } from '../../support/ephemeral-ports.js';
import { requireExternal } from '../../support/externals.js';
import { BOOT_TIMEOUT_MS, consoleValue, MARKER, qemuPidsMentioning, qemuProblem, testImage, waitForConsole } from '../../support/qemu.js';

const problem = qemuProblem();
const USER_DATA = Buffer.from('#!/bin/sh\necho user data for the real guest\n\u0000\u00ff binary tail\n', 'latin1');
const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

describe('real QEMU guests reading their metadata and config drive', () => {
  let dir = '';
  let cloud: EmbeddedCloud;
  let token = '';
  let computeUrl = '';
  let imageId = '';
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are walked freely by the assertions
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(url, {
      method,
      headers: { 'x-auth-token': token, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  before(async () => {
    if (problem) return;
    const image = await testImage();
    dir = mkdtempSync(join(tmpdir(), 'nova-qemu-md-'));
    const state = prepareStateDir(dir);
    const conf = Config.load({
      configFiles: [state.configFile],
      overrides: withEphemeralPorts({
        DEFAULT: { compute_driver: 'qemu', qemu_ssh_forward: false, qemu_user_network_restrict: true },
        identity: { admin_password: 'admin-secret', demo_password: 'demo-secret' },
      }),
    });
    cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
    assert.equal(conf.get(metadataApiOpts).service_quantum_metadata_proxy, true, 'user-mode guests are identified by signed headers');
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
    const created = await call('POST', `${url('image')}/v2/images`, {
      name: 'tiny',
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'public',
    });
    assert.equal(created.status, 201);
    const upload = await fetch(`${url('image')}/v2/images/${created.body.id}/file`, {
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
    rmSync(dir, { recursive: true, force: true });
  });

  const waitActive = async (id: string): Promise<{ status: string; fault?: unknown; 'OS-EXT-SRV-ATTR:instance_name': string }> => {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    for (;;) {
      const server = (await call('GET', `${computeUrl}/servers/${id}`)).body.server;
      if (server.status !== 'BUILD' || Date.now() > deadline) return server;
      await sleep(250);
    }
  };

  it('each guest reads its own instance id, hostname, key, user data and meta_data.json, posts a password, and finds the same on its config drive', async (t) => {
    if (!requireExternal(t, 'QEMU', problem)) return;
    const kp = await call('POST', `${computeUrl}/os-keypairs`, { keypair: { name: 'guestkey' } });
    assert.equal(kp.status, 200, JSON.stringify(kp.body));
    const publicKey = kp.body.keypair.public_key as string;

    const withDrive = await call('POST', `${computeUrl}/servers`, {
      server: {
        name: 'reader',
        imageRef: imageId,
        flavorRef: '1',
        key_name: 'guestkey',
        user_data: USER_DATA.toString('base64'),
        metadata: { role: 'probe' },
        config_drive: true,
      },
    });
    assert.equal(withDrive.status, 202, JSON.stringify(withDrive.body));
    const plain = await call('POST', `${computeUrl}/servers`, { server: { name: 'neighbour', imageRef: imageId, flavorRef: '1' } });
    assert.equal(plain.status, 202, JSON.stringify(plain.body));
    const [a, b] = [withDrive.body.server.id as string, plain.body.server.id as string];

    const driver = (cloud.services.find((x) => x.binary === 'nova-compute') as Service).manager as ComputeManager;
    const consoles: Record<string, string> = {};
    for (const id of [a, b]) {
      const server = await waitActive(id);
      assert.equal(server.status, 'ACTIVE', JSON.stringify(server.fault ?? server));
      const guest = { uuid: id, name: server['OS-EXT-SRV-ATTR:instance_name'], memory_mb: 0, vcpus: 0, root_gb: 0, ephemeral_gb: 0 };
      consoles[id] = await waitForConsole(driver.driver, guest, MARKER.idle);
    }
    const ca = consoles[a] as string;
    const cb = consoles[b] as string;
    const db = cloud.runtime.db as Db;

    // Over 169.254.169.254, through each guest's own forwarder.
    assert.equal(
      consoleValue(ca, MARKER.metadata),
      `instance-id=${formatEc2Id('i', await ec2IdGetOrCreate(db, 'instance_id_mappings', a))}`,
    );
    assert.equal(
      consoleValue(cb, MARKER.metadata),
      `instance-id=${formatEc2Id('i', await ec2IdGetOrCreate(db, 'instance_id_mappings', b))}`,
    );
    assert.equal(consoleValue(ca, 'GUEST-MD-HOSTNAME'), 'reader.novalocal');
    assert.equal(consoleValue(ca, 'GUEST-MD-KEY'), md5(publicKey));
    assert.equal(consoleValue(ca, 'GUEST-MD-USERDATA'), md5(USER_DATA), 'user data byte for byte');
    const served = JSON.parse(consoleValue(ca, 'GUEST-MD-JSON') ?? '{}');
    assert.equal(served.uuid, a);
    assert.deepEqual(served.meta, { role: 'probe' });
    assert.deepEqual(served.public_keys, { guestkey: publicKey });
    assert.equal(JSON.parse(consoleValue(cb, 'GUEST-MD-JSON') ?? '{}').uuid, b, 'the neighbour reads its own data, never the reader’s');
    assert.equal(consoleValue(cb, 'GUEST-MD-HOSTNAME'), 'neighbour.novalocal');

    assert.ok(ca.includes('GUEST-MD-PASSWORD-POSTED'), 'the guest posted its password');
    const password = await call('GET', `${computeUrl}/servers/${a}/os-server-password`);
    assert.deepEqual(password, { status: 200, body: { password: 'posted-by-the-guest' } });

    // The config drive: only the server that asked has one, with the same data.
    assert.equal(consoleValue(ca, MARKER.configDrive), `uuid=${a}`);
    assert.equal(consoleValue(ca, 'GUEST-CD-USERDATA'), md5(USER_DATA));
    const onDrive = JSON.parse(consoleValue(ca, 'GUEST-CD-JSON') ?? '{}');
    assert.deepEqual(onDrive.meta, served.meta);
    assert.deepEqual(onDrive.public_keys, served.public_keys);
    assert.equal(onDrive.hostname, served.hostname);
    assert.equal(consoleValue(cb, MARKER.configDrive), null);

    for (const id of [a, b]) assert.equal((await call('DELETE', `${computeUrl}/servers/${id}`)).status, 204);
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    for (const id of [a, b]) {
      while ((await call('GET', `${computeUrl}/servers/${id}`)).status !== 404 && Date.now() < deadline) await sleep(250);
      assert.deepEqual(qemuPidsMentioning(id), []);
    }
  });
});
