import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskState } from '../../common/states/task-states.js';
import type { SnapshotCallbacks } from '../types.js';
import { convert, imageInfo } from './qemu-img.js';

export interface SnapshotSource {
  /** The root disk file. */
  path: string;
  /** Target format (`snapshot_image_format`); null keeps the disk's own. */
  format: string | null;
  compress: boolean;
  /** Work files go under this directory (`<instances_path>/snapshots`). */
  workDir: string;
  /** Makes the disk quiescent for the copy (pause the guest) and returns how to undo it. */
  quiesce: () => Promise<() => Promise<void>>;
}

/**
 * Grizzly's snapshot flow: task state to image_pending_upload, a flattened copy of the
 * root disk taken while the guest is quiescent (for a running QEMU: paused, which flushes
 * its caches, for the fraction of a second the copy takes), then image_uploading and the
 * upload, streamed from the copy.
 */
export async function snapshotDisk(source: SnapshotSource, callbacks: SnapshotCallbacks): Promise<void> {
  await callbacks.updateTaskState(TaskState.IMAGE_PENDING_UPLOAD);
  await mkdir(source.workDir, { recursive: true });
  const work = await mkdtemp(join(source.workDir, 'tmp'));
  try {
    const info = await imageInfo(source.path);
    const format = source.format ?? (info.format === 'raw' ? 'raw' : 'qcow2');
    const out = join(work, 'snapshot');
    const resume = await source.quiesce();
    try {
      await convert(source.path, out, format, {
        sourceFormat: info.format,
        compress: source.compress && format === 'qcow2',
        forceShare: true,
      });
    } finally {
      await resume();
    }
    await callbacks.updateTaskState(TaskState.IMAGE_UPLOADING, TaskState.IMAGE_PENDING_UPLOAD);
    await callbacks.upload({ disk_format: format, container_format: 'bare' }, createReadStream(out));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
