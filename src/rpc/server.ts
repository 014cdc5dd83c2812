/**
 * The host side of RPC: receives requests on `<topic>`, `<topic>.<host>` and the topic's
 * fanout, dispatches each to the endpoint and replies with its result or its error.
 */
import { Dispatcher, type RpcEndpoint } from './dispatcher.js';
import type { Consumer, Replier, Transport } from './transport.js';
import type { RpcMessage } from './wire.js';

export type { RpcEndpoint } from './dispatcher.js';

export class RpcServer {
  readonly transport: Transport;
  readonly topic: string;
  readonly host: string;
  readonly endpoint: RpcEndpoint;
  readonly #dispatcher: Dispatcher;
  #consumer: Consumer | null = null;

  constructor(transport: Transport, topic: string, host: string, endpoint: RpcEndpoint) {
    this.transport = transport;
    this.topic = topic;
    this.host = host;
    this.endpoint = endpoint;
    this.#dispatcher = new Dispatcher(endpoint, topic);
  }

  async start(): Promise<void> {
    if (this.#consumer) return;
    this.#consumer = await this.transport.consume(this.topic, this.host, (message, replier) => this.#handle(message, replier));
  }

  /** Stops receiving, then waits for the requests already being handled to finish and reply. */
  async stop(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = null;
    await consumer?.stop();
  }

  async #handle(message: RpcMessage, replier: Replier | null): Promise<void> {
    const outcome = await this.#dispatcher.dispatch(message, replier !== null);
    await replier?.reply(outcome);
  }
}
