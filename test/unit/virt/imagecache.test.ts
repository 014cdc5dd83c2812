import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createOverlay, imageInfo } from '../../../src/virt/disk/qemu-img.js';
import { BaseImageCache, ImageUnacceptable } from '../../../src/virt/imagecache/base-images.js';
import { ImageCacheManager, type ImageCacheSettings } from '../../../src/virt/imagecache/manager.js';
import { cacheNameFor } from '../../../src/virt/instance-paths.js';
import type { ImageSource, VirtInstance } from '../../../src/virt/types.js';
import { requireExternal } from '../../support/externals.js';

const qemuImg = spawnSync('qemu-img', ['--version']).status === 0 ? null : 'qemu-img is not installed (run scripts/setup.sh)';
const DAY = 86400;

const settings: ImageCacheSettings = {
  removeUnusedBaseImages: true,
  removeUnusedKernels: false,
  resizedMinimumAgeSeconds: 3600,
  originalMinimumAgeSeconds: DAY,
  checksumBaseImages: false,
  checksumIntervalSeconds: 3600,
};

function instance(imageRef: string): VirtInstance {
  return { uuid: 'u', name: 'instance-1', memory_mb: 64, vcpus: 1, root_gb: 0, ephemeral_gb: 0, image_ref: imageRef };
}

/** Makes a file `ageSeconds` old as of `now`. */
function age(path: string, now: number, ageSeconds: number): void {
  const t = new Date(now - ageSeconds * 1000);
  utimesSync(path, t, t);
}

describe('image cache', () => {
  let root: string;
  let dir: string;
  let base: string;
  let n = 0;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'nova-imagecache-'));
  });
  /** Every test gets an instances_path of its own. */
  beforeEach(() => {
    dir = join(root, `instances-${n++}`);
    base = join(dir, '_base');
    mkdirSync(base, { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('downloads an image once, converts it to raw when force_raw_images, and refuses images with a backing file', async (t) => {
    if (!requireExternal(t, 'qemu-img', qemuImg)) return;
    const src = join(dir, 'src.qcow2');
    spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', src, '8M']);
    let downloads = 0;
    const images: ImageSource = {
      show: async (id) => ({ id }),
      download: async () => {
        downloads++;
        return Readable.from(readFileSync(src));
      },
    };
    const cache = new BaseImageCache(base, { forceRaw: true });
    const [a, b] = await Promise.all([cache.fetch('img-1', images), cache.fetch('img-1', images)]);
    assert.equal(downloads, 1, 'concurrent requests share one download');
    assert.equal(a.path, join(base, cacheNameFor('img-1')));
    assert.equal(a.format, 'raw');
    assert.equal(b.virtualSize, 8 * 1024 * 1024);
    assert.equal((await cache.fetch('img-1', undefined)).path, a.path, 'a cached image needs no image service');

    const backed = join(dir, 'backed.qcow2');
    await createOverlay(src, 'qcow2', backed);
    const evil: ImageSource = { show: async (id) => ({ id }), download: async () => Readable.from(readFileSync(backed)) };
    await assert.rejects(cache.fetch('img-evil', evil), ImageUnacceptable);
    assert.ok(!existsSync(join(base, cacheNameFor('img-evil'))));
    assert.deepEqual(
      spawnSync('ls', [base], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((n) => n.endsWith('.part') || n.endsWith('.converted')),
      [],
    );
  });

  it('keeps bases in use (by image or by a disk’s backing file), removes unused ones once old enough', async (t) => {
    if (!requireExternal(t, 'qemu-img', qemuImg)) return;
    const now = Date.now();
    const file = (name: string): string => {
      const p = join(base, name);
      writeFileSync(p, 'x');
      return p;
    };
    const used = file(cacheNameFor('in-use'));
    const backing = join(base, cacheNameFor('backing-only'));
    spawnSync('qemu-img', ['create', '-q', '-f', 'raw', backing, '1M']);
    mkdirSync(join(dir, 'some-uuid'));
    await createOverlay(backing, 'raw', join(dir, 'some-uuid', 'disk'));
    const oldOriginal = file(cacheNameFor('old'));
    const youngOriginal = file(cacheNameFor('young'));
    const oldResized = file(`${cacheNameFor('resized')}_10`);
    const youngResized = file(`${cacheNameFor('resized2')}_10`);
    const notOurs = file('ephemeral_1_default');
    for (const p of [used, backing, oldOriginal]) age(p, now, 2 * DAY);
    age(youngOriginal, now, DAY / 2);
    age(oldResized, now, 7200);
    age(youngResized, now, 600);
    age(notOurs, now, 30 * DAY);
    writeFileSync(`${oldOriginal}.info`, '{}');

    const report = await new ImageCacheManager(dir, base, settings, () => now).verifyBaseImages([instance('in-use')]);
    assert.deepEqual(report.active.sort(), [cacheNameFor('backing-only'), cacheNameFor('in-use')].sort());
    assert.deepEqual(report.removed.sort(), [cacheNameFor('old'), `${cacheNameFor('resized')}_10`].sort());
    assert.deepEqual(report.kept.sort(), [cacheNameFor('young'), `${cacheNameFor('resized2')}_10`].sort());
    for (const p of [used, backing, youngOriginal, youngResized, notOurs]) assert.ok(existsSync(p), p);
    for (const p of [oldOriginal, `${oldOriginal}.info`, oldResized]) assert.ok(!existsSync(p), p);
    assert.ok(Math.abs((await imageInfo(join(dir, 'some-uuid', 'disk'))).virtualSize - 1024 * 1024) === 0);

    const off = await new ImageCacheManager(
      dir,
      base,
      { ...settings, removeUnusedBaseImages: false },
      () => now + 10 * DAY * 1000,
    ).verifyBaseImages([]);
    assert.deepEqual(off.removed, []);
  });

  it('stores a checksum of a base in use and reports it corrupt when the file changes', async (t) => {
    if (!requireExternal(t, 'qemu-img', qemuImg)) return;
    let now = Date.now();
    const path = join(base, cacheNameFor('sum'));
    writeFileSync(path, 'original bytes');
    const manager = new ImageCacheManager(dir, base, { ...settings, checksumBaseImages: true }, () => now);
    const first = await manager.verifyBaseImages([instance('sum')]);
    assert.deepEqual(first.corrupt, []);
    const info = JSON.parse(readFileSync(`${path}.info`, 'utf8')) as { sha1: string };
    assert.match(info.sha1, /^[0-9a-f]{40}$/);
    writeFileSync(path, 'tampered bytes');
    assert.deepEqual((await manager.verifyBaseImages([instance('sum')])).corrupt, [], 'not checked again before the interval');
    now += 3601 * 1000;
    assert.deepEqual((await manager.verifyBaseImages([instance('sum')])).corrupt, [cacheNameFor('sum')]);
  });
});
