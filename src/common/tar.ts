/**
 * Just enough of the tar format for EC2 image bundles: writing one file as a ustar
 * archive (the bundling command), and reading an archive as a stream to extract its
 * first regular file while refusing any member whose name would leave the target
 * directory (absolute, `..`). GNU long names (`L`) and pax `path` records are read.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

const BLOCK = 512;

export class UnsafeTarMember extends Error {}
export class MalformedTar extends Error {}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** The 512-byte ustar header of a regular file. */
export function tarFileHeader(name: string, size: number, mtime: Date, mode = 0o644): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new Error(`tar member name longer than 100 bytes: ${name}`);
  const header = Buffer.alloc(BLOCK, 0);
  nameBytes.copy(header, 0);
  header.write(octal(mode, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'binary');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** Zero bytes that pad a member of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0);
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(BLOCK * 2, 0);

function cString(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul < 0 ? slice.length : nul).toString('utf8');
}

function parseOctal(buf: Buffer, start: number, length: number): number {
  const text = cString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new MalformedTar(`bad number in tar header: ${text}`);
  return Number.parseInt(text, 8);
}

function checkName(name: string): void {
  const parts = name.split('/');
  if (name.startsWith('/') || parts.includes('..') || name.includes('\0'))
    throw new UnsafeTarMember(`unsafe member name in archive: ${name}`);
}

function paxPath(data: Buffer): string | undefined {
  let offset = 0;
  let found: string | undefined;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number(data.subarray(offset, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    offset += length;
  }
  return found;
}

/** A readable's bytes, in exactly the lengths asked for. */
class ByteReader {
  readonly #iterator: AsyncIterator<Buffer>;
  #pending: Buffer = Buffer.alloc(0);
  #done = false;

  constructor(input: Readable) {
    this.#iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async #fill(size: number): Promise<void> {
    while (this.#pending.length < size && !this.#done) {
      const next = await this.#iterator.next();
      if (next.done) this.#done = true;
      else this.#pending = this.#pending.length === 0 ? next.value : Buffer.concat([this.#pending, next.value]);
    }
  }

  /** Exactly `size` bytes, or null at a clean end of input. */
  async read(size: number): Promise<Buffer | null> {
    await this.#fill(size);
    if (this.#pending.length === 0 && this.#done) return null;
    if (this.#pending.length < size) throw new MalformedTar('archive ends in the middle of a member');
    const out = this.#pending.subarray(0, size);
    this.#pending = this.#pending.subarray(size);
    return out;
  }

  /** Reads and drops whatever input is left (the zero blocks that pad an archive to its record size). */
  async drain(): Promise<void> {
    this.#pending = Buffer.alloc(0);
    while (!this.#done) {
      const next = await this.#iterator.next();
      if (next.done) this.#done = true;
    }
  }

  /** Hands `size` bytes to `sink` in the pieces they arrive in. */
  async pipe(size: number, sink: (chunk: Buffer) => Promise<void>): Promise<void> {
    let left = size;
    while (left > 0) {
      await this.#fill(1);
      if (this.#pending.length === 0) throw new MalformedTar('archive ends in the middle of a member');
      const piece = this.#pending.subarray(0, Math.min(left, this.#pending.length));
      this.#pending = this.#pending.subarray(piece.length);
      left -= piece.length;
      await sink(piece);
    }
  }
}

/**
 * Reads a whole (uncompressed) tar stream, writes its first regular file into `dir`
 * under its base name, and returns that name. Every member name is checked; an unsafe
 * one anywhere in the archive fails the extraction.
 */
export async function extractFirstFile(input: Readable, dir: string): Promise<string> {
  const reader = new ByteReader(input);
  let first: string | null = null;
  let longName: string | undefined;
  for (;;) {
    const header = await reader.read(BLOCK);
    if (header === null || header.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
    if (sum !== parseOctal(header, 148, 8)) throw new MalformedTar('tar header checksum mismatch');
    const type = String.fromCharCode(header[156] as number);
    const size = parseOctal(header, 124, 12);
    const prefix = cString(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    longName = undefined;
    const padded = size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (type === 'L' || type === 'x') {
      const data = (await reader.read(padded)) ?? Buffer.alloc(0);
      longName = type === 'L' ? cString(data, 0, size) : paxPath(data.subarray(0, size));
      continue;
    }
    checkName(name);
    if ((type === '0' || type === '\0') && first === null) {
      const base = name
        .split('/')
        .filter((p) => p !== '' && p !== '.')
        .pop();
      if (!base) throw new UnsafeTarMember(`unusable member name in archive: ${name}`);
      const out = await open(join(dir, base), 'wx');
      try {
        await reader.pipe(size, async (chunk) => {
          await out.write(chunk);
        });
      } finally {
        await out.close();
      }
      await reader.read(padded - size);
      first = base;
    } else {
      await reader.pipe(padded, async () => {});
    }
  }
  await reader.drain();
  if (first === null) throw new MalformedTar('the archive holds no file');
  return first;
}
