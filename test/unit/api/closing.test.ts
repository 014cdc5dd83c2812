import assert from 'node:assert/strict';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { refuseRequestsWhileClosing } from '../../../src/api/closing.js';
import { renderFault } from '../../../src/api/fault.js';

/** A raw connection that collects what the server sends until it closes the connection. */
function rawConnection(port: number): { socket: Socket; response: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => {
    received += d.toString();
  });
  return { socket, response: new Promise((resolve) => socket.on('close', () => resolve(received))) };
}

describe('an API that is closing', () => {
  it('finishes the request inside and closes its connection, and answers a request completed later 503 with Retry-After', async () => {
    const app = Fastify({ return503OnClosing: false });
    refuseRequestsWhileClosing(app);
    app.setErrorHandler((err, _request, reply) => {
      const fault = renderFault(err);
      reply.code(fault.status).headers(fault.headers).send(fault.body);
    });
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    app.get('/slow', async () => {
      entered();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { done: true };
    });
    app.get('/fast', async () => ({ fast: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;

    const slow = rawConnection(port);
    slow.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await inside;
    // A request whose first bytes arrived before close() began: close() must wait for it.
    const late = rawConnection(port);
    late.socket.write('GET /fast HTTP/1.1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closed = app.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    late.socket.write('Host: x\r\n\r\n');
    const lateResponse = await late.response;
    release();
    const slowResponse = await slow.response;
    await closed;

    assert.match(slowResponse, /^HTTP\/1\.1 200/);
    assert.match(slowResponse, /\r\nconnection: close\r\n/i);
    assert.match(slowResponse, /\{"done":true\}$/);
    assert.match(lateResponse, /^HTTP\/1\.1 503/);
    assert.match(lateResponse, /\r\nretry-after: 5\r\n/i);
    assert.match(lateResponse, /\r\nconnection: close\r\n/i);
    assert.match(lateResponse, /\{"serviceUnavailable":\{"code":503,"message":"The service is shutting down[^"]*"\}\}$/);
  });
});
