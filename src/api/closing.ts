/**
 * The Compute API's answer to a request that arrives while it closes: a Nova
 * `serviceUnavailable` fault (see common/http-closing.ts for the rest of the stop).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceUnavailable } from '../common/errors.js';
import { CLOSING_HEADERS, CLOSING_MESSAGE, refuseRequestsWhileClosing } from '../common/http-closing.js';

export class ApiClosing extends ServiceUnavailable {
  constructor() {
    super(CLOSING_MESSAGE, { headers: { ...CLOSING_HEADERS } });
  }
}

/** Call before the other onRequest hooks; the error handler renders the fault. */
export function refuseNovaRequestsWhileClosing(app: FastifyInstance): void {
  refuseRequestsWhileClosing<FastifyRequest, FastifyReply>(app, async () => {
    throw new ApiClosing();
  });
}
