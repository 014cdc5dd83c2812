/**
 * How an HTTP service stops: once close() begins, new connections are refused and a request
 * still arriving on an open connection is refused with 503 and Retry-After, in the service's
 * own error shape, while requests already inside finish; every response from then on closes
 * its connection, so close() waits for no idle keep-alive connection. Fastify's own 503 while
 * closing has neither the error body clients parse nor a Retry-After, so each service turns
 * it off (`return503OnClosing: false`) and answers through this instead.
 */

/** Seconds a client is told to wait: a restarting nova-all is back within a few. */
export const CLOSING_RETRY_AFTER_SECONDS = 5;

/** The message of every refusal, whatever the service's error shape. */
export const CLOSING_MESSAGE = 'The service is shutting down; retry the request shortly.';

/** Headers every refused request is answered with. */
export const CLOSING_HEADERS: Readonly<Record<string, string>> = {
  'Retry-After': String(CLOSING_RETRY_AFTER_SECONDS),
  Connection: 'close',
};

/** The part of a fastify reply this module needs. */
interface HeaderSettable {
  header(name: string, value: string): unknown;
}

/** The hooks of a fastify instance this module needs, so common/ depends on no framework. */
export interface ClosableApp<Request, Reply extends HeaderSettable> {
  addHook(name: 'preClose', hook: () => Promise<void>): unknown;
  addHook(name: 'onRequest', hook: (request: Request, reply: Reply) => Promise<unknown>): unknown;
  addHook(
    name: 'onSend',
    hook: (request: Request, reply: Reply, payload: unknown, done: (err: Error | null, payload: unknown) => void) => void,
  ): unknown;
}

/**
 * Registers the hooks; call it before the app's other onRequest hooks, so a closing service
 * neither authenticates nor routes. `refuse` answers a request that arrived too late: it
 * sends the 503 with CLOSING_HEADERS in the service's error shape (or throws an error the
 * service's error handler renders so).
 */
export function refuseRequestsWhileClosing<Request, Reply extends HeaderSettable>(
  app: ClosableApp<Request, Reply>,
  refuse: (request: Request, reply: Reply) => Promise<unknown>,
): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (closing) return refuse(request, reply);
  });
  // A request that began before close() would leave its connection open for keep-alive, and
  // close() waits for every connection: end each connection with the response instead.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('Connection', 'close');
    done(null, payload);
  });
}
