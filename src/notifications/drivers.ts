import { InvalidConfig } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { RequestContext } from '../context/context.js';
import type { Transport } from '../rpc/transport.js';
import { newId, wrapEnvelope } from '../rpc/wire.js';
import type { Notification, NotificationDriver } from './notifier.js';

export class NoopNotificationDriver implements NotificationDriver {
  readonly name = 'noop';
  async notify(): Promise<void> {}
}

/** Logs each message as JSON on `nova.openstack.common.notification.<event_type>` at its priority. */
export class LogNotificationDriver implements NotificationDriver {
  readonly name = 'log';
  async notify(_ctx: RequestContext, message: Notification): Promise<void> {
    const logger = getLogger(`nova.openstack.common.notification.${message.event_type}`);
    const text = JSON.stringify(message);
    switch (message.priority) {
      case 'DEBUG':
        logger.debug(text);
        break;
      case 'WARN':
        logger.warn(text);
        break;
      case 'ERROR':
        logger.error(text);
        break;
      case 'CRITICAL':
        logger.fatal(text);
        break;
      default:
        logger.info(text);
    }
  }
}

/**
 * Publishes to `<topic>.<priority>` on the bus (routing key `notifications.info`, …) with
 * the request context flattened in, as the AMQP layer adds it; `envelope` wraps the body in
 * the 2.0 envelope (rpc_notifier2).
 */
export class RpcNotificationDriver implements NotificationDriver {
  readonly name: string;
  constructor(
    private readonly transport: Transport,
    private readonly topics: readonly string[],
    private readonly envelope = false,
  ) {
    this.name = envelope ? 'rpc2' : 'rpc';
  }

  async notify(ctx: RequestContext, message: Notification): Promise<void> {
    const body = { ...message, _unique_id: newId(), ...ctx.toWire() };
    for (const topic of this.topics) {
      const target = { kind: 'topic' as const, topic: `${topic}.${message.priority.toLowerCase()}` };
      await this.transport.cast(target, this.envelope ? wrapEnvelope(body) : body);
    }
  }
}

/** Keeps every message in memory (Grizzly's test_notifier); tests read `messages`. */
export class MemoryNotificationDriver implements NotificationDriver {
  readonly name = 'test';
  readonly messages: Notification[] = [];
  async notify(_ctx: RequestContext, message: Notification): Promise<void> {
    this.messages.push(message);
  }
  eventTypes(): string[] {
    return this.messages.map((m) => m.event_type);
  }
}

const NOOP = ['noop', 'nova.openstack.common.notifier.no_op_notifier'];
const LOG = ['log', 'nova.openstack.common.notifier.log_notifier'];
const RPC = ['rpc', 'nova.openstack.common.notifier.rpc_notifier', 'nova.openstack.common.notifier.rabbit_notifier'];
const RPC2 = ['rpc2', 'nova.openstack.common.notifier.rpc_notifier2'];
const TEST = ['test', 'nova.openstack.common.notifier.test_notifier'];

export interface DriverDeps {
  transport: Transport | null;
  notificationTopics: readonly string[];
  rpc2Topics: readonly string[];
  /** The in-memory driver `test` resolves to (one per notifier unless shared). */
  memory?: MemoryNotificationDriver;
}

/** The driver a `notification_driver` value names; an unknown name is a configuration error. */
export function driverByName(name: string, deps: DriverDeps): NotificationDriver {
  const n = name.trim();
  if (NOOP.includes(n)) return new NoopNotificationDriver();
  if (LOG.includes(n)) return new LogNotificationDriver();
  if (TEST.includes(n)) return deps.memory ?? new MemoryNotificationDriver();
  if (RPC.includes(n) || RPC2.includes(n)) {
    if (!deps.transport) throw new InvalidConfig(`notification_driver ${n} needs the message bus`);
    return RPC.includes(n)
      ? new RpcNotificationDriver(deps.transport, deps.notificationTopics)
      : new RpcNotificationDriver(deps.transport, deps.rpc2Topics, true);
  }
  throw new InvalidConfig(`notification_driver = ${n} is not a driver nova-ts knows; use noop, log, rpc, rpc2 or test`);
}
