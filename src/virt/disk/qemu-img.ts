import { execute } from '../process-utils.js';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export type DiskFormat = 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vpc';

export interface ImageInfo {
  format: string;
  /** Size the guest sees, bytes. */
  virtualSize: number;
  /** Bytes the file takes on the host. */
  actualSize: number;
  /** Absolute path of the backing file, or null. */
  backingFile: string | null;
  backingFormat: string | null;
  /** Internal snapshot names (qcow2). */
  snapshots: string[];
}

/**
 * qemu-img, the one tool every disk operation goes through. `-U` (force share) lets us
 * read images a running QEMU holds open; callers pause the guest first when they need a
 * consistent copy.
 */
export async function imageInfo(path: string): Promise<ImageInfo> {
  const { stdout } = await execute('qemu-img', ['info', '-U', '--output=json', path]);
  const raw = JSON.parse(stdout) as {
    format: string;
    'virtual-size': number;
    'actual-size'?: number;
    'full-backing-filename'?: string;
    'backing-filename'?: string;
    'backing-filename-format'?: string;
    snapshots?: { name: string }[];
  };
  return {
    format: raw.format,
    virtualSize: raw['virtual-size'],
    actualSize: raw['actual-size'] ?? 0,
    backingFile: raw['full-backing-filename'] ?? raw['backing-filename'] ?? null,
    backingFormat: raw['backing-filename-format'] ?? null,
    snapshots: (raw.snapshots ?? []).map((s) => s.name),
  };
}

/** A qcow2 overlay whose reads fall through to `base` (an absolute path: qemu-img resolves relative ones against the overlay's directory). */
export async function createOverlay(base: string, baseFormat: string, target: string, sizeBytes?: number | null): Promise<void> {
  const args = ['create', '-q', '-f', 'qcow2', '-b', base, '-F', baseFormat, target];
  if (sizeBytes) args.push(String(sizeBytes));
  await execute('qemu-img', args);
}

export async function createBlank(target: string, format: DiskFormat, sizeBytes: number): Promise<void> {
  await execute('qemu-img', ['create', '-q', '-f', format, target, String(sizeBytes)]);
}

export interface ConvertOptions {
  sourceFormat?: string;
  compress?: boolean;
  /** Export this internal snapshot instead of the current state. */
  snapshot?: string;
  /** Read an image a running QEMU has open (the caller made it quiescent). */
  forceShare?: boolean;
}

/** Copies an image into a new standalone file of `format` (a backing chain is flattened). */
export async function convert(source: string, target: string, format: string, options: ConvertOptions = {}): Promise<void> {
  const args = ['convert'];
  if (options.forceShare) args.push('-U');
  if (options.sourceFormat) args.push('-f', options.sourceFormat);
  if (options.snapshot) args.push('-l', `snapshot.name=${options.snapshot}`);
  args.push('-O', format);
  if (options.compress) args.push('-c');
  args.push(source, target);
  await execute('qemu-img', args);
}

export async function resize(path: string, sizeBytes: number): Promise<void> {
  await execute('qemu-img', ['resize', '-q', path, String(sizeBytes)]);
}
