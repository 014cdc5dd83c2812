/**
 * The calls of one transport still waiting for their reply stream, by `_msg_id`: each ends
 * with its outcome once the stream ends, with MessagingTimeout when its timeout passes
 * first, or with whatever error the transport fails it with (a failed publish, closing).
 */
import { MessagingTimeout } from '../common/errors.js';
import { type CallOutcome, type ReplyBody, ReplyCollector } from './wire.js';

interface PendingCall {
  readonly collector: ReplyCollector;
  fail(err: Error): void;
}

export class PendingCalls {
  readonly #calls = new Map<string, PendingCall>();

  /** Starts waiting for the replies to `msgId`; `onSettled` runs once, however the call ends. */
  start(msgId: string, timeoutMs: number, onSettled: () => void = () => {}): Promise<CallOutcome> {
    return new Promise<CallOutcome>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#calls.delete(msgId);
        onSettled();
      };
      const fail = (err: Error): void => {
        finish();
        reject(err);
      };
      const collector = new ReplyCollector((outcome) => {
        finish();
        resolve(outcome);
      });
      const timer = setTimeout(() => fail(new MessagingTimeout()), timeoutMs);
      this.#calls.set(msgId, { collector, fail });
    });
  }

  /** Hands a reply to the call waiting for it; false when none is (it ended, or never was). */
  accept(msgId: string, reply: ReplyBody): boolean {
    const call = this.#calls.get(msgId);
    if (!call) return false;
    call.collector.accept(reply);
    return true;
  }

  /** Ends one call with an error, if it is still waiting. */
  fail(msgId: string, err: unknown): void {
    this.#calls.get(msgId)?.fail(err instanceof Error ? err : new Error(String(err)));
  }

  /** Ends every waiting call with `err`. */
  failAll(err: Error): void {
    for (const call of [...this.#calls.values()]) call.fail(err);
  }
}
