/**
 * Drives an HTTP service through close() the way a SIGTERM does, over raw connections: one
 * request is inside a handler, another has sent only its first line, then close() begins.
 * Reports what each got and what a connection opened after close() began got.
 */
import { connect, type Socket } from 'node:net';

export interface ClosingScenario {
  port: number;
  /** A complete request whose handler holds until `release` is called. */
  slowRequest: string;
  /** Resolves once the slow request is inside its handler. */
  inside: Promise<void>;
  release(): void;
  /** A request line and headers, CRLF-terminated, without the blank line that ends the head. */
  lateRequestHead: string;
  close(): Promise<unknown>;
}

export interface ClosingOutcome {
  /** The raw bytes the server sent on each connection before closing it. */
  slowResponse: string;
  lateResponse: string;
  /** The error code a connection opened after close() began failed with, or null if it connected. */
  newConnection: string | null;
}

/** A raw connection that collects what the server sends until it closes the connection. */
function rawConnection(port: number): { socket: Socket; response: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => {
    received += d.toString();
  });
  return { socket, response: new Promise((resolve) => socket.on('close', () => resolve(received))) };
}

function connectOutcome(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Resolves once the bytes are handed to the kernel. */
function written(socket: Socket, data: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
}

function tick(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function closeWithRequestsOpen(s: ClosingScenario): Promise<ClosingOutcome> {
  const slow = rawConnection(s.port);
  await written(slow.socket, s.slowRequest);
  await s.inside;
  // A request whose first bytes arrived before close() began: close() must wait for it.
  const late = rawConnection(s.port);
  await written(late.socket, s.lateRequestHead);
  // Real network I/O: the server must have read those bytes before close() begins.
  await tick(20);
  const closed = s.close();
  await tick(20);
  const newConnection = await connectOutcome(s.port);
  await written(late.socket, '\r\n');
  const lateResponse = await late.response;
  s.release();
  const slowResponse = await slow.response;
  await closed;
  return { slowResponse, lateResponse, newConnection };
}

/** A gate for a handler: `inside` resolves once the handler calls enter(), which waits for release(). */
export function handlerGate(): { enter(): Promise<void>; inside: Promise<void>; release(): void } {
  let entered: () => void = () => {};
  let release: () => void = () => {};
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    inside,
    release,
    enter: async () => {
      entered();
      await released;
    },
  };
}
