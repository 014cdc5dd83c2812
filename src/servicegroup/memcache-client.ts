/**
 * A small client for the memcached text protocol (`set`, `get`), enough for the mc
 * service group driver. Each key lives on one server of `memcached_servers`, chosen by a
 * hash of the key; commands on a connection are answered in order, so they are queued.
 */
import { createHash } from 'node:crypto';
import { Socket } from 'node:net';

class Connection {
  #socket: Socket | null = null;
  #buffer = Buffer.alloc(0);
  #waiters: Array<{ length: ReplyLength; resolve: (reply: Buffer) => void; reject: (err: Error) => void }> = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  async #connect(): Promise<Socket> {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = new Socket();
    socket.setTimeout(this.timeoutMs);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(this.port, this.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A heartbeat's connection must not keep a stopping process alive.
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    const fail = (err: Error) => {
      for (const w of this.#waiters.splice(0)) w.reject(err);
      socket.destroy();
    };
    socket.on('error', fail);
    socket.on('timeout', () => fail(new Error(`memcached ${this.host}:${this.port} timed out`)));
    socket.on('close', () => fail(new Error(`memcached ${this.host}:${this.port} closed the connection`)));
    this.#socket = socket;
    return socket;
  }

  /** Replies come back in command order; each waiter takes exactly its own bytes. */
  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const waiter = this.#waiters[0];
      const length = waiter ? waiter.length(this.#buffer) : -1;
      if (!waiter || length < 0) return;
      this.#waiters.shift();
      const reply = this.#buffer.subarray(0, length);
      this.#buffer = this.#buffer.subarray(length);
      waiter.resolve(reply);
    }
  }

  /** Sends one command and resolves with its whole reply, `length` telling where it ends. */
  async send(command: Buffer, length: ReplyLength): Promise<Buffer> {
    const socket = await this.#connect();
    return new Promise<Buffer>((resolve, reject) => {
      this.#waiters.push({ length, resolve, reject });
      socket.write(command);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }
}

/** How many bytes of `buffer` the reply takes, or -1 while it is incomplete. */
type ReplyLength = (buffer: Buffer) => number;

/** A one-line reply (STORED, NOT_STORED, ERROR ...). */
const lineReply: ReplyLength = (buffer) => {
  const end = buffer.indexOf('\r\n');
  return end < 0 ? -1 : end + 2;
};

/** A `get` reply: END, or one VALUE block then END, or an error line. */
const getReply: ReplyLength = (buffer) => {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd < 0) return -1;
  const m = /^VALUE \S+ \d+ (\d+)$/.exec(buffer.subarray(0, lineEnd).toString('latin1'));
  if (!m) return lineEnd + 2;
  const total = lineEnd + 2 + Number(m[1]) + 2 + 'END\r\n'.length;
  return buffer.length >= total ? total : -1;
};

export class MemcacheClient {
  readonly #connections: Connection[];

  constructor(servers: readonly string[], timeoutMs = 3000) {
    if (servers.length === 0) throw new Error('memcached_servers is empty');
    this.#connections = servers.map((s) => {
      const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(s.trim());
      if (!m) throw new Error(`bad memcached server ${JSON.stringify(s)}`);
      return new Connection(m[1] as string, Number(m[2] ?? 11211), timeoutMs);
    });
  }

  #for(key: string): Connection {
    const n = createHash('md5').update(key).digest().readUInt32BE(0);
    return this.#connections[n % this.#connections.length] as Connection;
  }

  async set(key: string, value: string, exptimeSeconds: number): Promise<void> {
    checkKey(key);
    const data = Buffer.from(value);
    const command = Buffer.concat([Buffer.from(`set ${key} 0 ${exptimeSeconds} ${data.length}\r\n`), data, Buffer.from('\r\n')]);
    const reply = (await this.#for(key).send(command, lineReply)).toString();
    if (reply !== 'STORED\r\n') throw new Error(`memcached set ${key}: ${reply.trim()}`);
  }

  /** The value, or null when the key is absent or expired. */
  async get(key: string): Promise<string | null> {
    checkKey(key);
    const reply = await this.#for(key).send(Buffer.from(`get ${key}\r\n`), getReply);
    const lineEnd = reply.indexOf('\r\n');
    const header = reply.subarray(0, lineEnd).toString('latin1');
    if (header === 'END') return null;
    const m = /^VALUE \S+ \d+ (\d+)$/.exec(header);
    if (!m) throw new Error(`memcached get ${key}: ${header}`);
    return reply.subarray(lineEnd + 2, lineEnd + 2 + Number(m[1])).toString();
  }

  close(): void {
    for (const c of this.#connections) c.close();
  }
}

function checkKey(key: string): void {
  // The protocol separates tokens by whitespace and forbids control characters in keys.
  const bad = key.length === 0 || key.length > 250 || [...key].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f);
  if (bad) throw new Error(`bad memcached key ${JSON.stringify(key)}`);
}
