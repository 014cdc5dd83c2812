/**
 * The bytes that cross the bus, shared by every transport (as Nova's
 * nova/openstack/common/rpc/common.py and amqp.py write them): the flat "1.0"
 * request dict, the optional 2.0 envelope accepted on receipt, and the reply stream
 * (`result` then `ending`, or a single `failure`).
 */
import { randomUUID } from 'node:crypto';
import { UnsupportedRpcEnvelopeVersion } from './errors.js';

/** A decoded request: method, args, version, `_unique_id`, `_msg_id`, `_context_*`. */
export type RpcMessage = Record<string, unknown>;

/** One reply on the wire. */
export interface ReplyBody {
  result: unknown;
  failure: string | null;
  ending?: true;
  _msg_id?: string;
  _unique_id: string;
}

/** What a call finally produced: the last result value, or the serialised remote failure. */
export type CallOutcome = { kind: 'result'; value: unknown } | { kind: 'failure'; failure: string };

/** 32 hex digits, as Nova's uuid4().hex. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

/** JSON text of a message; Dates become ISO-8601 strings here, on every transport alike. */
export function encode(value: unknown): string {
  return JSON.stringify(value ?? null);
}

const ENVELOPE_VERSION_KEY = 'oslo.version';
const ENVELOPE_MESSAGE_KEY = 'oslo.message';
const ENVELOPE_MAJOR = 2;
const ENVELOPE_MINOR = 0;

/** Parses a received request, unwrapping the 2.0 envelope when there is one. */
export function decodeRequest(text: string): RpcMessage {
  const parsed: unknown = JSON.parse(text);
  if (!isPlainObject(parsed)) return { args: {}, _raw: parsed };
  if (!(ENVELOPE_VERSION_KEY in parsed && ENVELOPE_MESSAGE_KEY in parsed)) return parsed;
  const version = String(parsed[ENVELOPE_VERSION_KEY]);
  const [major, minor] = version.split('.').map((p) => Number.parseInt(p, 10));
  if (major !== ENVELOPE_MAJOR || minor === undefined || Number.isNaN(minor) || minor > ENVELOPE_MINOR) {
    throw new UnsupportedRpcEnvelopeVersion(version);
  }
  const inner: unknown = JSON.parse(String(parsed[ENVELOPE_MESSAGE_KEY]));
  return isPlainObject(inner) ? inner : { args: {}, _raw: inner };
}

export function wrapEnvelope(message: RpcMessage): Record<string, string> {
  return { [ENVELOPE_VERSION_KEY]: `${ENVELOPE_MAJOR}.${ENVELOPE_MINOR}`, [ENVELOPE_MESSAGE_KEY]: encode(message) };
}

/** The replies that carry an outcome back: a value followed by the end marker, or one failure. */
export function replyBodies(outcome: CallOutcome, msgId: string | undefined): ReplyBody[] {
  const id = msgId === undefined ? {} : { _msg_id: msgId };
  if (outcome.kind === 'failure') {
    return [{ result: null, failure: outcome.failure, ...id, _unique_id: newId() }];
  }
  return [
    { result: outcome.value ?? null, failure: null, ...id, _unique_id: newId() },
    { result: null, failure: null, ending: true, ...id, _unique_id: newId() },
  ];
}

export function decodeReply(text: string): ReplyBody | null {
  const parsed: unknown = JSON.parse(text);
  if (!isPlainObject(parsed)) return null;
  return parsed as unknown as ReplyBody;
}

/**
 * Folds the reply stream of one call into its outcome: the last value seen once the end
 * marker arrives, or the first failure.
 */
export class ReplyCollector {
  #last: unknown = null;
  readonly #done: (outcome: CallOutcome) => void;

  constructor(done: (outcome: CallOutcome) => void) {
    this.#done = done;
  }

  /** Returns true when this reply completed the call. */
  accept(reply: ReplyBody): boolean {
    if (typeof reply.failure === 'string') {
      this.#done({ kind: 'failure', failure: reply.failure });
      return true;
    }
    if (reply.ending === true) {
      this.#done({ kind: 'result', value: this.#last });
      return true;
    }
    this.#last = reply.result ?? null;
    return false;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
