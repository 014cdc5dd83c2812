import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QmpClient, QmpDisconnected, QmpError } from '../../../../src/virt/qemu/qmp.js';

/** A monitor that speaks QMP as QEMU does: greeting, capabilities, replies carrying the id, events in between. */
function fakeQemu(
  path: string,
  handle: (cmd: { execute: string; id?: string; arguments?: Record<string, unknown> }, socket: Socket) => void,
): Promise<Server> {
  const server = createServer((socket) => {
    socket.write('{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}\r\n');
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const cmd = JSON.parse(line);
        if (cmd.execute === 'qmp_capabilities') socket.write(`${JSON.stringify({ return: {}, id: cmd.id })}\r\n`);
        else handle(cmd, socket);
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe('QMP client', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nova-qmp-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('handshakes, reads the version, and matches replies to commands while events arrive in between', async () => {
    const path = join(dir, 'a.sock');
    const server = await fakeQemu(path, (cmd, socket) => {
      if (cmd.execute === 'query-status') {
        socket.write('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}\r\n');
        // Replies out of order: the id, not the order, pairs them.
        setTimeout(() => socket.write(`${JSON.stringify({ return: { status: 'paused' }, id: cmd.id })}\r\n`), 20);
      } else if (cmd.execute === 'query-name') {
        socket.write(`${JSON.stringify({ return: { name: 'guest' }, id: cmd.id })}\r\n`);
      }
    });
    const qmp = await QmpClient.connect(path, { timeoutMs: 2000 });
    try {
      assert.deepEqual(qmp.version, { major: 7, minor: 2, micro: 22 });
      const events: string[] = [];
      qmp.on('event', (e) => events.push(e.event));
      const [status, name] = await Promise.all([
        qmp.execute<{ status: string }>('query-status'),
        qmp.execute<{ name: string }>('query-name'),
      ]);
      assert.equal(status.status, 'paused');
      assert.equal(name.name, 'guest');
      assert.deepEqual(events, ['STOP']);
    } finally {
      qmp.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('turns an error reply into QmpError with its class', async () => {
    const path = join(dir, 'b.sock');
    const server = await fakeQemu(path, (cmd, socket) => {
      socket.write(
        `${JSON.stringify({ error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` }, id: cmd.id })}\r\n`,
      );
    });
    const qmp = await QmpClient.connect(path, { timeoutMs: 2000 });
    try {
      await assert.rejects(qmp.execute('nonsense'), (err: unknown) => err instanceof QmpError && err.errorClass === 'CommandNotFound');
    } finally {
      qmp.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('rejects what is pending and emits close when QEMU goes away, and waits for events by name', async () => {
    const path = join(dir, 'c.sock');
    let peer: Socket | null = null;
    const server = await fakeQemu(path, (cmd, socket) => {
      peer = socket;
      if (cmd.execute === 'system_powerdown') {
        socket.write(`${JSON.stringify({ return: {}, id: cmd.id })}\r\n`);
        socket.write('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "SHUTDOWN", "data": {"guest": true}}\r\n');
      }
    });
    const qmp = await QmpClient.connect(path, { timeoutMs: 2000 });
    const shutdown = qmp.waitForEvent('SHUTDOWN', 2000);
    await qmp.execute('system_powerdown');
    assert.deepEqual((await shutdown).data, { guest: true });
    const closed = new Promise<void>((r) => qmp.once('close', r));
    const pending = qmp.execute('query-status');
    (peer as Socket | null)?.destroy();
    await assert.rejects(pending, QmpDisconnected);
    await closed;
    assert.ok(qmp.closed);
    assert.equal(qmp.closedLocally, false);
    await assert.rejects(qmp.execute('query-status'), QmpDisconnected);
    await new Promise((r) => server.close(r));
  });

  it('gives up on a socket nobody listens on, or as soon as told the process died', async () => {
    await assert.rejects(QmpClient.connect(join(dir, 'none.sock'), { timeoutMs: 200 }), QmpDisconnected);
    await assert.rejects(QmpClient.connect(join(dir, 'none.sock'), { timeoutMs: 60_000, giveUp: () => 'exit code 1' }), /exit code 1/);
  });
});
