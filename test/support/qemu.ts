/**
 * What the real-hypervisor tests share: whether QEMU is here, the tiny test guest
 * (built once by scripts/build-test-image.sh into the git-ignored .cache/ and reused),
 * an image source serving it from disk, and waiting for the guest's console markers.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComputeDriver } from '../../src/virt/driver.js';
import type { ImageMeta, ImageSource, VirtInstance } from '../../src/virt/types.js';

const ROOT = new URL('../../', import.meta.url).pathname;
export const TEST_IMAGE_DIR = join(ROOT, '.cache', 'test-image');
/** Building from nothing takes 12–20 s here; a busy machine gets more room. */
const BUILD_TIMEOUT_MS = 240_000;

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Null when QEMU and its tools are installed, else what is missing. */
export function qemuProblem(): string | null {
  const missing = ['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'socat'].filter((c) => !onPath(c));
  return missing.length ? `missing ${missing.join(', ')} (run scripts/setup.sh)` : null;
}

/** The `image_version` scripts/build-test-image.sh builds now. */
function scriptVersion(): string {
  const script = readFileSync(join(ROOT, 'scripts', 'build-test-image.sh'), 'utf8');
  return /^image_version=(\S+)$/m.exec(script)?.[1] ?? '';
}

/** The version of the cached image (an image built before versions were stamped has none). */
function builtVersion(): string {
  try {
    return readFileSync(join(TEST_IMAGE_DIR, 'version'), 'utf8').trim();
  } catch {
    return '';
  }
}

export interface TestImage {
  /** The bootable disk image (qcow2), as it would be uploaded to the image service. */
  disk: string;
  kernel: string;
  initrd: string;
}

/**
 * The test guest, building it when it is not cached yet. Test files may run side by
 * side, so the build is serialised with a lock directory; a waiter polls for the result.
 */
export async function testImage(): Promise<TestImage> {
  const image = {
    disk: join(TEST_IMAGE_DIR, 'tiny.qcow2'),
    kernel: join(TEST_IMAGE_DIR, 'vmlinuz'),
    initrd: join(TEST_IMAGE_DIR, 'initrd.img'),
  };
  const built = (): boolean =>
    [image.disk, image.kernel, image.initrd].every((f) => existsSync(f) && statSync(f).size > 0) && builtVersion() === scriptVersion();
  if (built()) return image;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const lock = join(ROOT, '.cache', 'test-image.lock');
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (built()) return image;
      // A lock older than the build timeout belongs to a build that died.
      const lockedAt = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - lockedAt > BUILD_TIMEOUT_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another test to build the test image');
      await sleep(500);
    }
  }
  try {
    if (!built()) {
      const result = spawnSync('sh', [join(ROOT, 'scripts', 'build-test-image.sh'), TEST_IMAGE_DIR], {
        encoding: 'utf8',
        timeout: BUILD_TIMEOUT_MS,
      });
      if (result.status !== 0) throw new Error(`scripts/build-test-image.sh failed:\n${result.stdout}${result.stderr}`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return image;
}

/** An image service of local files, by image id. */
export function fileImageSource(files: Record<string, string>): ImageSource {
  return {
    async show(imageId) {
      const file = files[imageId];
      if (!file) throw new Error(`no test image ${imageId}`);
      return {
        id: imageId,
        name: imageId,
        status: 'active',
        size: statSync(file).size,
        disk_format: file.endsWith('.qcow2') ? 'qcow2' : 'raw',
      };
    },
    async download(imageId) {
      const file = files[imageId];
      if (!file) throw new Error(`no test image ${imageId}`);
      return createReadStream(file);
    },
  };
}

export const TINY_IMAGE_ID = 'a0f1c0de-0000-4000-8000-000000000001';
export const TINY_IMAGE_META: ImageMeta = {
  id: TINY_IMAGE_ID,
  name: 'tiny',
  disk_format: 'qcow2',
  container_format: 'bare',
  status: 'active',
};

/** Boot markers the test guest prints on its serial console (scripts/build-test-image.sh). */
export const MARKER = {
  ready: 'GUEST-MARKER-READY',
  metadata: 'GUEST-METADATA',
  configDrive: 'GUEST-CONFIGDRIVE',
  idle: 'GUEST-IDLE',
} as const;

/** The value a guest printed after `marker` (the rest of the last such line of its console), or null. */
export function consoleValue(console: string, marker: string): string | null {
  const lines = console.split(/\r?\n/).filter((l) => l.startsWith(`${marker} `) || l === marker);
  const last = lines[lines.length - 1];
  return last === undefined ? null : last.slice(marker.length + 1).trimEnd();
}

/** TCG on a busy 2-core machine boots the guest in 4–20 s; this bounds a wait that should never take that long. */
export const BOOT_TIMEOUT_MS = 180_000;

/** Polls the driver's console output until `pattern` has appeared `count` times. */
export async function waitForConsole(
  driver: ComputeDriver,
  instance: VirtInstance,
  pattern: string | RegExp,
  options: { count?: number; timeoutMs?: number } = {},
): Promise<string> {
  const count = options.count ?? 1;
  const deadline = Date.now() + (options.timeoutMs ?? BOOT_TIMEOUT_MS);
  const re =
    typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : new RegExp(pattern.source, 'g');
  for (;;) {
    const out = await driver.getConsoleOutput(instance);
    if ((out.match(re) ?? []).length >= count) return out;
    if (Date.now() > deadline) throw new Error(`console never showed ${pattern} ${count} time(s); last output:\n${out.slice(-2000)}`);
    await sleep(200);
  }
}

/** PIDs of QEMU processes whose command line mentions `needle` (an instance directory, say). */
export function qemuPidsMentioning(needle: string): number[] {
  const out = spawnSync('pgrep', ['-f', '-a', 'qemu-system'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .filter((line) => line.includes(needle))
    .map((line) => Number(line.split(' ')[0]))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}
