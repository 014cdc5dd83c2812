import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { refuseNovaRequestsWhileClosing } from '../../../src/api/closing.js';
import { renderFault } from '../../../src/api/fault.js';
import { closeWithRequestsOpen, handlerGate } from '../../support/closing-probe.js';

describe('a Nova API that is closing', () => {
  it('finishes the request inside and closes its connection, answers a late request a 503 fault with Retry-After, and refuses new connections', async () => {
    const app = Fastify({ return503OnClosing: false });
    refuseNovaRequestsWhileClosing(app);
    app.setErrorHandler((err, _request, reply) => {
      const fault = renderFault(err);
      reply.code(fault.status).headers(fault.headers).send(fault.body);
    });
    const gate = handlerGate();
    app.get('/slow', async () => {
      await gate.enter();
      return { done: true };
    });
    app.get('/fast', async () => ({ fast: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });

    const outcome = await closeWithRequestsOpen({
      port: (app.server.address() as AddressInfo).port,
      slowRequest: 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n',
      inside: gate.inside,
      release: gate.release,
      lateRequestHead: 'GET /fast HTTP/1.1\r\nHost: x\r\n',
      close: () => app.close(),
    });

    assert.match(outcome.slowResponse, /^HTTP\/1\.1 200/);
    assert.match(outcome.slowResponse, /\r\nconnection: close\r\n/i);
    assert.match(outcome.slowResponse, /\{"done":true\}$/);
    assert.match(outcome.lateResponse, /^HTTP\/1\.1 503/);
    assert.match(outcome.lateResponse, /\r\nretry-after: 5\r\n/i);
    assert.match(outcome.lateResponse, /\r\nconnection: close\r\n/i);
    assert.match(outcome.lateResponse, /\{"serviceUnavailable":\{"code":503,"message":"The service is shutting down[^"]*"\}\}$/);
    assert.equal(outcome.newConnection, 'ECONNREFUSED');
  });
});
