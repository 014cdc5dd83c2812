/**
 * SIGTERM while POSTs arrive: nova-all stops accepting first (connection refused, or a 503
 * fault with Retry-After on a connection already open), finishes what it accepted, and
 * exits 0; after a restart every accepted server is ACTIVE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootStorm, type HttpResult, NovaAllProcess, type ServerView } from './nova-all-process.js';

const STORM = 30;

describe('SIGTERM while servers are being created', { timeout: 180_000 }, () => {
  const cloud = new NovaAllProcess({ options: { fake_spawn_delay_ms: 300 } });
  let accepted: string[] = [];
  let refused: HttpResult[] = [];
  let unanswered = 0;
  let exitCode: number | null = null;

  before(async () => {
    await cloud.start();
    const imageId = await cloud.uploadImage();
    let stopping: Promise<number | null> | null = null;
    const storm = await bootStorm(cloud, {
      count: STORM,
      concurrency: 10,
      imageId,
      onAccepted: (n) => {
        if (n === STORM / 3) stopping = cloud.terminate();
      },
    });
    exitCode = await (stopping as Promise<number | null> | null);
    accepted = storm.accepted;
    refused = storm.refused;
    unanswered = storm.failed;
    await cloud.start();
  });

  after(() => cloud.dispose());

  it('exits with status 0', () => {
    assert.equal(exitCode, 0, cloud.output);
  });

  it('answers a request it no longer takes with a 503 fault carrying Retry-After, or refuses the connection', () => {
    assert.equal(accepted.length + refused.length + unanswered, STORM, 'every POST was accepted, refused with 503 or not connected');
    assert.ok(refused.length + unanswered > 0, 'no POST came after the signal: the test did not reproduce the flow');
    for (const r of refused) {
      assert.ok(r.headers.get('retry-after'), 'a 503 without Retry-After');
      assert.equal((r.body as { serviceUnavailable?: { code: number } }).serviceUnavailable?.code, 503);
    }
  });

  it('finishes every server it accepted: after the restart each one is ACTIVE', async () => {
    const servers = await cloud.waitForServers((list) => list.every((s) => s.status !== 'BUILD'), 20_000);
    const byId = new Map<string, ServerView>(servers.map((s) => [s.id, s]));
    const notActive = accepted
      .map((id) => [id, byId.get(id)] as const)
      .filter(([, s]) => s?.status !== 'ACTIVE')
      .map(([id, s]) => `${id}: ${s ? `${s.status}/${s['OS-EXT-STS:task_state']} ${s.fault?.message ?? ''}` : 'missing'}`);
    assert.deepEqual(notActive, []);
    assert.ok(accepted.length >= STORM / 3);
  });
});
