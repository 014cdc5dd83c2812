/**
 * One request id follows a server create through every service of the embedded cloud:
 * the API's request line, then the scheduler, compute, network and conductor handling the
 * RPC requests it caused (their contexts carry it over the bus), all log under the id the
 * API answered with.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { login, uploadTinyImage } from '../../../bench/boot-client.js';
import { type EmbeddedCloud, startEmbeddedCloud } from '../../../src/cmd/embedded-cloud.js';
import { prepareStateDir } from '../../../src/cmd/state-dir.js';
import { type Logger, rootLogger, setRootLogger } from '../../../src/common/log.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import { withEphemeralPorts } from '../../support/ephemeral-ports.js';

interface LogLine {
  name?: string;
  request_id?: string;
  instance_uuid?: string;
  topic?: string;
  msg?: string;
}

describe('request ids in the logs of every service', () => {
  const lines: LogLine[] = [];
  let previousRoot: Logger;
  let stateRoot: string;
  let cloud: EmbeddedCloud;
  let computeUrl: string;
  let token: string;
  let imageId: string;

  before(async () => {
    previousRoot = rootLogger();
    setRootLogger(pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) }));
    stateRoot = mkdtempSync(join(tmpdir(), 'nova-request-logging-'));
    const state = prepareStateDir(stateRoot);
    const conf = Config.load({
      configFiles: [state.configFile],
      overrides: withEphemeralPorts(),
    });
    cloud = await startEmbeddedCloud(conf, { stateDir: state.root });
    const admin = cloud.bootstrap.admin;
    const session = await login(cloud.identityUrl, admin.userName, admin.password as string, admin.projectName);
    token = session.token;
    computeUrl = session.endpoints.get('compute') as string;
    imageId = await uploadTinyImage(session.endpoints.get('image') as string, token);
  });

  after(async () => {
    await cloud?.stop();
    setRootLogger(previousRoot);
    rmSync(stateRoot, { recursive: true, force: true });
  });

  async function serverStatus(id: string): Promise<string> {
    const res = await fetch(`${computeUrl}/servers/${id}`, { headers: { 'x-auth-token': token } });
    return ((await res.json()) as { server: { status: string } }).server.status;
  }

  it('logs the API request and the scheduler, compute, network and conductor work of a create under its request id', async () => {
    const res = await fetch(`${computeUrl}/servers`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ server: { name: 'traced', imageRef: imageId, flavorRef: '1' } }),
    });
    assert.equal(res.status, 202);
    const requestId = res.headers.get('x-openstack-request-id') as string;
    const serverId = ((await res.json()) as { server: { id: string } }).server.id;
    const deadline = Date.now() + 30_000;
    let status = await serverStatus(serverId);
    while (status === 'BUILD' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = await serverStatus(serverId);
    }
    assert.equal(status, 'ACTIVE');

    const traced = lines.filter((l) => l.request_id === requestId);
    assert.ok(
      traced.some((l) => l.name === 'nova.api.openstack' && l.msg?.startsWith('"POST /v2.1/')),
      'the API request line',
    );
    const topics = new Set(traced.filter((l) => l.name === 'nova.rpc.dispatcher').map((l) => l.topic));
    for (const topic of ['scheduler', 'compute', 'network', 'conductor']) assert.ok(topics.has(topic), `${topic} handled the request`);
    assert.ok(
      traced.some((l) => l.name === 'nova.compute.manager.build' && l.instance_uuid === serverId && l.msg === 'instance spawned'),
      'the compute host says it spawned the instance',
    );
    // Work for other requests (the next GET, periodic tasks) is not logged under this id.
    const pollIds = new Set(lines.filter((l) => l.name === 'nova.api.openstack' && l.msg?.startsWith('"GET ')).map((l) => l.request_id));
    assert.ok(!pollIds.has(requestId));
  });
});
