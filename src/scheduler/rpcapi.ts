/**
 * The client side of the scheduler's RPC API (Grizzly's SchedulerAPI proxy), topic
 * `scheduler`, base version 2.0 (rpc.md §5.2).
 */
import type { RequestContext } from '../context/context.js';
import { RpcClient } from '../rpc/client.js';
import type { Transport } from '../rpc/transport.js';

export const SCHEDULER_TOPIC = 'scheduler';
export const SCHEDULER_RPC_BASE_VERSION = '2.0';

export interface RunInstanceArgs {
  request_spec: Record<string, unknown>;
  admin_password: string | null;
  injected_files: [string, string][];
  requested_networks: [string, string | null][] | null;
  is_first_time: boolean;
  filter_properties: Record<string, unknown>;
}

export class SchedulerRPCAPI {
  readonly client: RpcClient;

  constructor(transport: Transport, topic: string = SCHEDULER_TOPIC) {
    this.client = new RpcClient(transport, topic, SCHEDULER_RPC_BASE_VERSION);
  }

  /** Asks a scheduler to place and build the instances of request_spec.instance_uuids. */
  runInstance(ctx: RequestContext, args: RunInstanceArgs): Promise<void> {
    return this.client.cast(ctx, 'run_instance', { ...args });
  }

  /** Hosts the scheduler would pick for a request, without building anything. */
  selectHosts(ctx: RequestContext, requestSpec: Record<string, unknown>, filterProperties: Record<string, unknown>): Promise<string[]> {
    return this.client.call<string[]>(
      ctx,
      'select_hosts',
      { request_spec: requestSpec, filter_properties: filterProperties },
      { version: '2.6' },
    );
  }
}
