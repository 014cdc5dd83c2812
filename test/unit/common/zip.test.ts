import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { zip } from '../../../src/common/zip.js';
import { probeCommand, requireExternal } from '../../support/externals.js';

/** Reads the central directory back and inflates each entry: the archive's own structure, checked without tools. */
function readZip(archive: Buffer): Map<string, string> {
  const end = archive.length - 22;
  assert.equal(archive.readUInt32LE(end), 0x06054b50);
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const out = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    assert.equal(archive.readUInt32LE(at), 0x02014b50);
    const packed = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    out.set(name, inflateRawSync(archive.subarray(dataStart, dataStart + packed)).toString('utf8'));
    at += 46 + nameLength;
  }
  return out;
}

describe('zip', () => {
  const entries = [
    { name: 'autorun.sh', data: '#!/bin/sh\necho hello\n'.repeat(50) },
    { name: 'empty.txt', data: '' },
    { name: 'ca.crt', data: Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n') },
  ];

  it('stores every entry deflated, each readable back through the central directory', () => {
    const files = readZip(zip(entries));
    assert.deepEqual([...files.keys()], ['autorun.sh', 'empty.txt', 'ca.crt']);
    assert.equal(files.get('autorun.sh'), entries[0]?.data);
    assert.equal(files.get('empty.txt'), '');
    assert.equal(files.get('ca.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n');
  });

  it('makes an archive that unzip tests clean and extracts', (t) => {
    if (!requireExternal(t, 'unzip', probeCommand('unzip', ['-v']))) return;
    const dir = mkdtempSync(join(tmpdir(), 'nova-zip-'));
    try {
      const file = join(dir, 'payload.zip');
      writeFileSync(file, zip(entries));
      execFileSync('unzip', ['-tq', file]);
      assert.equal(execFileSync('unzip', ['-p', file, 'autorun.sh']).toString(), entries[0]?.data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
