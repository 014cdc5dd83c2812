import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { NovaError } from '../../common/errors.js';

/** QEMU answered a command with an error (`class` is QMP's error class, e.g. GenericError). */
export class QmpError extends NovaError {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`, { kwargs: { command, class: errorClass } });
  }
}

/** The monitor connection went away (QEMU exited, or never listened). */
export class QmpDisconnected extends NovaError {
  constructor(reason: string) {
    super(`QMP connection lost: ${reason}`);
  }
}

export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * A QMP client over QEMU's unix socket: newline-delimited JSON, a greeting, the
 * `qmp_capabilities` handshake, then commands whose replies are matched by `id` while
 * asynchronous events (STOP, RESUME, SHUTDOWN, …) are emitted as `event`. `close` is
 * emitted once when the socket ends, which for a QEMU with one monitor means it exited.
 */
export class QmpClient extends EventEmitter<{ event: [QmpEvent]; close: [] }> {
  readonly #socket: Socket;
  readonly #pending = new Map<string, Pending>();
  #buffer = '';
  #greeting: ((greeting: Record<string, unknown>) => void) | null = null;
  #nextId = 1;
  #closed = false;
  /** Closed by this side (close()), not by QEMU going away. */
  closedLocally = false;
  version: { major: number; minor: number; micro: number } = { major: 0, minor: 0, micro: 0 };

  private constructor(socket: Socket) {
    super();
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('close', () => this.#onClose('socket closed'));
    socket.on('error', (err) => this.#onClose(err.message));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Connects, retrying while the socket is not there yet (QEMU creates it a few hundred
   * milliseconds after it starts), until `timeoutMs` or until `giveUp` says to stop (the
   * process died).
   */
  static async connect(path: string, options: { timeoutMs: number; giveUp?: () => string | null }): Promise<QmpClient> {
    const deadline = Date.now() + options.timeoutMs;
    let lastError = 'not tried';
    for (;;) {
      const reason = options.giveUp?.();
      if (reason) throw new QmpDisconnected(reason);
      try {
        const socket = await openSocket(path);
        const client = new QmpClient(socket);
        try {
          await client.#handshake(Math.max(1000, deadline - Date.now()));
        } catch (err) {
          client.close();
          throw err;
        }
        return client;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (Date.now() > deadline) throw new QmpDisconnected(`no QMP monitor at ${path} (${lastError})`);
      await sleep(50);
    }
  }

  async #handshake(timeoutMs: number): Promise<void> {
    const greeting = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new QmpDisconnected('no greeting')), timeoutMs);
      const onClose = (): void => {
        clearTimeout(timer);
        reject(new QmpDisconnected('closed before the greeting'));
      };
      this.once('close', onClose);
      this.#greeting = (g) => {
        clearTimeout(timer);
        this.off('close', onClose);
        resolve(g);
      };
    });
    const v = (greeting.QMP as { version?: { qemu?: { major: number; minor: number; micro: number } } } | undefined)?.version?.qemu;
    if (v) this.version = v;
    await this.execute('qmp_capabilities');
  }

  /** Runs a command and resolves with its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.#closed) return Promise.reject(new QmpDisconnected(`cannot run ${command}: the monitor is closed`));
    const id = `nova-${this.#nextId++}`;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject });
      this.#socket.write(`${JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id })}\n`);
    });
  }

  /** Resolves with the first event named `name` for which `match` holds, or rejects on close/timeout. */
  waitForEvent(name: string, timeoutMs: number, match: (e: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: QmpEvent): void => {
        if (e.event === name && match(e)) {
          cleanup();
          resolve(e);
        }
      };
      const onClose = (): void => {
        cleanup();
        reject(new QmpDisconnected(`closed while waiting for ${name}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new QmpDisconnected(`no ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('close', onClose);
      };
      this.on('event', onEvent);
      this.on('close', onClose);
    });
  }

  close(): void {
    if (!this.#closed) this.closedLocally = true;
    this.#socket.destroy();
    this.#onClose('closed by nova');
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line) this.#onMessage(line);
    }
  }

  #onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if ('QMP' in msg) {
      this.#greeting?.(msg);
      this.#greeting = null;
      return;
    }
    if (typeof msg.event === 'string') {
      this.emit('event', msg as unknown as QmpEvent);
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : null;
    const pending = id ? this.#pending.get(id) : undefined;
    if (!pending || !id) return;
    this.#pending.delete(id);
    if ('error' in msg) {
      const e = msg.error as { class?: string; desc?: string };
      pending.reject(new QmpError(pending.command, e.class ?? 'GenericError', e.desc ?? 'unknown error'));
    } else {
      pending.resolve(msg.return);
    }
  }

  #onClose(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pending.values()) p.reject(new QmpDisconnected(`${reason} while running ${p.command}`));
    this.#pending.clear();
    this.emit('close');
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
