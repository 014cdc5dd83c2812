import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { refuseRequestsWhileClosing } from '../../../src/common/http-closing.js';

describe('refuseRequestsWhileClosing', () => {
  it('answers an ordinary request once: the error handler is never reached beside another async onSend hook', async () => {
    const app = Fastify({ return503OnClosing: false });
    const errors: unknown[] = [];
    refuseRequestsWhileClosing<FastifyRequest, FastifyReply>(app, async () => {
      throw new Error('closing');
    });
    // The Compute API adds its own headers in an async onSend hook after this one.
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('x-extra', '1');
      return payload;
    });
    app.setErrorHandler((err, _request, reply) => {
      errors.push(err);
      void reply.code(500).send({ error: String(err) });
    });
    app.get('/', async (_request, reply) => {
      void reply.type('application/json').send(JSON.stringify({ ok: true }));
    });
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ok: true });
    assert.equal(res.headers['x-extra'], '1');
    assert.deepEqual(errors, []);
    await app.close();
  });
});
