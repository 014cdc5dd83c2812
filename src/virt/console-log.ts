import { open } from 'node:fs/promises';

/** Grizzly returns at most this much of a console log (MAX_CONSOLE_BYTES). */
export const MAX_CONSOLE_BYTES = 100 * 1024;

/** The last `maxBytes` of a file (the whole file when it is smaller). */
export async function readTail(file: string, maxBytes: number = MAX_CONSOLE_BYTES): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
