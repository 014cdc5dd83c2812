/**
 * SIGTERM while an S3 upload is half sent on a keep-alive connection, with another
 * keep-alive connection idle: the object store finishes the upload and closes that
 * connection with its answer, so nova-all exits 0 at once — not after
 * graceful_shutdown_timeout, waiting for a connection the client keeps open — and the
 * object is there after the restart.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NovaAllProcess } from './nova-all-process.js';

const GRACE_SECONDS = 30;
const BUCKET = 'sigterm-bucket';
const BODY = 'first half, second half';
const FIRST_HALF = BODY.slice(0, 12);

/** A keep-alive connection the client never closes: collects what arrives until the server closes it. */
class KeptAlive {
  readonly socket: Socket;
  received = '';
  readonly closedByServer: Promise<void>;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.on('data', (d) => {
      this.received += d.toString();
    });
    this.closedByServer = new Promise((resolve) => this.socket.once('end', () => resolve()));
    this.socket.on('error', () => {});
  }

  send(data: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** Until `count` responses' heads have arrived. */
  async responses(count: number): Promise<void> {
    while ((this.received.match(/^HTTP\/1\.1 /gm) ?? []).length < count) await new Promise((r) => setTimeout(r, 20));
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('SIGTERM with an S3 upload in flight on a keep-alive connection', { timeout: 180_000 }, () => {
  const cloud = new NovaAllProcess({ options: { graceful_shutdown_timeout: GRACE_SECONDS } });
  let exitCode: number | null = null;
  let stopSeconds = Number.NaN;
  let upload: KeptAlive;
  let idle: KeptAlive;

  before(async () => {
    await cloud.start();
    const token = `X-Auth-Token: ${cloud.demoToken}\r\n`;
    idle = new KeptAlive(cloud.objectstoreUrl);
    await idle.send(`PUT /${BUCKET} HTTP/1.1\r\nHost: s3\r\n${token}Content-Length: 0\r\n\r\n`);
    await idle.responses(1);
    upload = new KeptAlive(cloud.objectstoreUrl);
    await upload.send(`PUT /${BUCKET}/note.txt HTTP/1.1\r\nHost: s3\r\n${token}Content-Length: ${BODY.length}\r\n\r\n${FIRST_HALF}`);
    // The handler is authenticated and streaming the body to disk well within this.
    await pause(1_000);
    const signalled = Date.now();
    const exited = cloud.terminate();
    await pause(300);
    await upload.send(BODY.slice(FIRST_HALF.length));
    exitCode = await exited;
    stopSeconds = (Date.now() - signalled) / 1000;
    await cloud.start();
  });

  after(async () => {
    upload?.socket.destroy();
    idle?.socket.destroy();
    await cloud.dispose();
  });

  it('finishes the upload and closes its connection with the answer', async () => {
    await upload.closedByServer;
    assert.match(upload.received, /^HTTP\/1\.1 200 /, upload.received);
    assert.match(upload.received, /\r\nconnection: close\r\n/i);
    assert.equal((upload.received.match(/^HTTP\/1\.1 /gm) ?? []).length, 1);
  });

  it('closes the idle keep-alive connection', async () => {
    await idle.closedByServer;
    assert.equal((idle.received.match(/^HTTP\/1\.1 /gm) ?? []).length, 1);
  });

  it('exits 0 without waiting for graceful_shutdown_timeout', () => {
    assert.equal(exitCode, 0, cloud.output);
    assert.ok(stopSeconds < GRACE_SECONDS / 3, `the stop took ${stopSeconds} s`);
  });

  it('keeps the object it accepted: after the restart it reads back whole', async () => {
    const r = await fetch(`${cloud.objectstoreUrl}/${BUCKET}/note.txt`, { headers: { 'x-auth-token': cloud.demoToken } });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), BODY);
  });
});
