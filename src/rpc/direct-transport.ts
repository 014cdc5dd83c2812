/**
 * A transport with a single endpoint and no bus: every message goes straight to that
 * endpoint in this process. Requests and replies still become JSON and are parsed again,
 * so the endpoint and the caller see what they would see over a real bus.
 */
import { Dispatcher, type RpcEndpoint } from './dispatcher.js';
import { TransportClosed } from './errors.js';
import type { CallOptions, Consumer, RequestHandler, Target, Transport } from './transport.js';
import { type CallOutcome, decodeRequest, encode, newId, type RpcMessage } from './wire.js';

function asReceived(message: RpcMessage, msgId?: string): RpcMessage {
  return decodeRequest(encode({ ...message, _unique_id: message._unique_id ?? newId(), ...(msgId ? { _msg_id: msgId } : {}) }));
}

export class DirectTransport implements Transport {
  /** Nothing here waits on a bus; kept for callers that read it. */
  readonly responseTimeout = 60;
  readonly #dispatcher: Dispatcher;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(endpoint: RpcEndpoint, topic: string) {
    this.#dispatcher = new Dispatcher(endpoint, topic);
  }

  async cast(_target: Target, message: RpcMessage): Promise<void> {
    if (this.#closed) throw new TransportClosed();
    const received = asReceived(message);
    // Run on a later turn, as a cast over a bus would: the caller never waits for the method.
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#dispatcher.dispatch(received, false));
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  async call(_target: Target, message: RpcMessage, _options: CallOptions): Promise<CallOutcome> {
    if (this.#closed) throw new TransportClosed();
    const outcome = await this.#dispatcher.dispatch(asReceived(message, newId()), true);
    return outcome.kind === 'failure' ? outcome : { kind: 'result', value: JSON.parse(encode(outcome.value)) as unknown };
  }

  async consume(topic: string, _host: string, _handler: RequestHandler): Promise<Consumer> {
    throw new Error(`a DirectTransport serves its one endpoint; it cannot consume ${topic}`);
  }

  /** Waits for the casts still running. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
