/**
 * The client side of the compute service's RPC API (Grizzly's ComputeAPI proxy): casts and
 * calls addressed to `compute.<host>`, with the wire names, argument keys and minimum
 * versions of rpc.md §5.1. Instances travel as JSON-safe dicts (instanceToPrimitive).
 */
import { NovaError } from '../common/errors.js';
import type { RequestContext } from '../context/context.js';
import type { InstanceRecord } from '../db/api/instances.js';
import type { BlockDeviceMapping } from '../db/types.js';
import { RpcClient } from '../rpc/client.js';
import type { Transport } from '../rpc/transport.js';

export const COMPUTE_TOPIC = 'compute';
export const COMPUTE_RPC_BASE_VERSION = '2.0';

/** A Date as Nova's to_primitive writes it: naive UTC with microseconds. */
function timeToPrimitive(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000`;
}

/** Any DB value made JSON-safe: Dates become naive ISO strings, everything else is copied. */
export function toPrimitive(value: unknown): unknown {
  if (value instanceof Date) return timeToPrimitive(value);
  if (Array.isArray(value)) return value.map(toPrimitive);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPrimitive(v);
    return out;
  }
  return value;
}

export function instanceToPrimitive(instance: InstanceRecord): Record<string, unknown> {
  return toPrimitive(instance) as Record<string, unknown>;
}

export class NoComputeHost extends NovaError {}

export class ComputeRPCAPI {
  readonly client: RpcClient;

  constructor(transport: Transport, topic: string = COMPUTE_TOPIC) {
    this.client = new RpcClient(transport, topic, COMPUTE_RPC_BASE_VERSION);
  }

  #hostOf(instance: InstanceRecord, host?: string | null): string {
    const target = host ?? instance.host;
    if (!target) throw new NoComputeHost(`Unable to find host for Instance ${instance.uuid}`);
    return target;
  }

  #cast(ctx: RequestContext, method: string, server: string, args: Record<string, unknown>, version?: string): Promise<void> {
    return this.client.cast(ctx, method, args, { server, ...(version ? { version } : {}) });
  }

  runInstance(
    ctx: RequestContext,
    instance: InstanceRecord,
    host: string,
    args: {
      request_spec: Record<string, unknown>;
      filter_properties: Record<string, unknown>;
      requested_networks: unknown;
      injected_files: unknown;
      admin_password: string | null;
      is_first_time: boolean;
      node?: string | null;
    },
  ): Promise<void> {
    return this.#cast(ctx, 'run_instance', host, { instance: instanceToPrimitive(instance), node: null, ...args }, '2.19');
  }

  terminateInstance(
    ctx: RequestContext,
    instance: InstanceRecord,
    bdms: readonly BlockDeviceMapping[],
    reservations: readonly string[] | null = null,
  ): Promise<void> {
    return this.#cast(
      ctx,
      'terminate_instance',
      this.#hostOf(instance),
      { instance: instanceToPrimitive(instance), bdms: toPrimitive(bdms), reservations },
      '2.27',
    );
  }

  softDeleteInstance(ctx: RequestContext, instance: InstanceRecord, reservations: readonly string[] | null = null): Promise<void> {
    return this.#cast(
      ctx,
      'soft_delete_instance',
      this.#hostOf(instance),
      { instance: instanceToPrimitive(instance), reservations },
      '2.27',
    );
  }

  restoreInstance(ctx: RequestContext, instance: InstanceRecord): Promise<void> {
    return this.#cast(ctx, 'restore_instance', this.#hostOf(instance), { instance: instanceToPrimitive(instance) });
  }

  /** `diff` is `{key: ['+', value]}` for a set key and `{key: ['-']}` for a removed one. */
  changeInstanceMetadata(ctx: RequestContext, instance: InstanceRecord, diff: Record<string, [string] | [string, string]>): Promise<void> {
    return this.#cast(ctx, 'change_instance_metadata', this.#hostOf(instance), { instance: instanceToPrimitive(instance), diff });
  }
}
