import { randomUUID } from 'node:crypto';
import { getLogger } from '../common/log.js';
import { adminContext, type RequestContext } from '../context/context.js';
import { pyIso, pyStr } from './time-format.js';

const log = getLogger('nova.notifier');

export const PRIORITIES = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL'] as const;
export type Priority = (typeof PRIORITIES)[number];

export class BadPriorityException extends Error {
  constructor(priority: string) {
    super(`${priority} not in valid priorities`);
  }
}

/** The envelope every driver receives (nova/openstack/common/notifier/api.py). */
export interface Notification {
  message_id: string;
  publisher_id: string;
  event_type: string;
  priority: Priority;
  payload: Record<string, unknown>;
  timestamp: string;
}

export interface NotificationDriver {
  readonly name: string;
  notify(ctx: RequestContext, message: Notification): Promise<void>;
}

/**
 * Turns a payload into JSON-safe primitives as Nova's to_primitive does: datetimes become
 * `%Y-%m-%dT%H:%M:%S.%f` strings, undefined keys disappear.
 */
export function toPrimitive(value: unknown): unknown {
  if (value instanceof Date) return pyIso(value);
  if (Array.isArray(value)) return value.map(toPrimitive);
  if (value instanceof Set) return [...value].map(toPrimitive);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toPrimitive(v)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPrimitive(v);
    return out;
  }
  return value;
}

export interface NotifierOptions {
  /** `notify_on_state_change`: null, `vm_state` or `vm_and_task_state`. */
  notifyOnStateChange?: string | null;
  notifyOnAnyChange?: boolean;
  /** Base of `image_ref_url` in instance payloads (`http://<glance host>:<port>`). */
  imageServiceUrl?: string;
  now?: () => Date;
}

/**
 * Emits notifications to the configured drivers. A driver failure is logged and never
 * reaches the caller: a notification must not fail the operation it describes.
 */
export class Notifier {
  readonly drivers: readonly NotificationDriver[];
  readonly notifyOnStateChange: string | null;
  readonly notifyOnAnyChange: boolean;
  readonly imageServiceUrl: string;
  readonly now: () => Date;

  constructor(drivers: readonly NotificationDriver[] = [], options: NotifierOptions = {}) {
    this.drivers = drivers;
    this.notifyOnStateChange = options.notifyOnStateChange ?? null;
    this.notifyOnAnyChange = options.notifyOnAnyChange ?? false;
    this.imageServiceUrl = (options.imageServiceUrl ?? 'http://127.0.0.1:9292').replace(/\/+$/, '');
    this.now = options.now ?? (() => new Date());
  }

  /** Whether any driver would receive a notification. */
  get enabled(): boolean {
    return this.drivers.length > 0;
  }

  /** Whether instance updates produce `compute.instance.update`. */
  get sendsInstanceUpdates(): boolean {
    return this.enabled && (this.notifyOnStateChange !== null || this.notifyOnAnyChange);
  }

  async notify(
    ctx: RequestContext | null,
    publisherId: string,
    eventType: string,
    priority: Priority,
    payload: Record<string, unknown>,
  ): Promise<void> {
    if (!(PRIORITIES as readonly string[]).includes(priority)) throw new BadPriorityException(priority);
    if (!this.enabled) return;
    const message: Notification = {
      message_id: randomUUID(),
      publisher_id: publisherId,
      event_type: eventType,
      priority,
      payload: toPrimitive(payload) as Record<string, unknown>,
      timestamp: pyStr(this.now()),
    };
    const context = ctx ?? adminContext();
    await Promise.all(
      this.drivers.map(async (driver) => {
        try {
          await driver.notify(context, message);
        } catch (err) {
          log.error({ err, driver: driver.name, event_type: eventType }, 'Problem sending notification');
        }
      }),
    );
  }
}

/** A notifier that emits nothing (services built without notification settings). */
export function silentNotifier(): Notifier {
  return new Notifier([]);
}
