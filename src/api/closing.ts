/**
 * How an HTTP API stops: once close() begins, new connections are refused and a request
 * still arriving on an open connection gets a 503 fault with Retry-After, while requests
 * already inside finish; every response from then on closes its connection. Fastify's own 503 while
 * closing has neither the fault body clients parse nor a Retry-After, so it is turned off
 * (`return503OnClosing: false`) and this answers instead.
 */
import type { FastifyInstance } from 'fastify';
import { ServiceUnavailable } from '../common/errors.js';

/** Seconds a client is told to wait: a restarting nova-all is back within a few. */
export const CLOSING_RETRY_AFTER_SECONDS = 5;

export class ApiClosing extends ServiceUnavailable {
  constructor() {
    super('The service is shutting down; retry the request shortly.', {
      headers: { 'Retry-After': String(CLOSING_RETRY_AFTER_SECONDS), Connection: 'close' },
    });
  }
}

/** Registers the hooks; call before the other onRequest hooks, so a closing API neither authenticates nor routes. */
export function refuseRequestsWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiClosing();
  });
  // A request that began before close() would leave its connection open for keep-alive, and
  // close() waits for every connection: end each connection with the response instead.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('Connection', 'close');
    return payload;
  });
}
