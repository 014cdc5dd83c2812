import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildConfigDrive, InvalidConfigDrivePath } from '../../../src/virt/configdrive/builder.js';
import { requireExternal } from '../../support/externals.js';

const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const isoTools = have('genisoimage') && have('isoinfo') ? null : 'genisoimage is not installed (run scripts/setup.sh)';
const vfatTools = have('mkfs.vfat') && have('mcopy') ? null : 'dosfstools/mtools are not installed (run scripts/setup.sh)';

const contents = {
  files: new Map([
    ['openstack/latest/meta_data.json', Buffer.from('{"uuid": "6d1c4c58"}')],
    ['openstack/content/0000', Buffer.from('injected')],
    ['ec2/latest/meta-data.json', Buffer.from('{}')],
  ]),
};

describe('config drive builder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nova-configdrive-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('builds an ISO9660 image labelled config-2 holding every file', async (t) => {
    if (!requireExternal(t, 'genisoimage', isoTools)) return;
    const target = join(dir, 'disk.config');
    await buildConfigDrive(contents, target, { format: 'iso9660', mkisofsCmd: 'genisoimage', tempDir: dir });
    assert.match(spawnSync('isoinfo', ['-d', '-i', target], { encoding: 'utf8' }).stdout, /Volume id: config-2/);
    const listing = spawnSync('isoinfo', ['-R', '-f', '-i', target], { encoding: 'utf8' }).stdout;
    for (const path of contents.files.keys()) assert.ok(listing.includes(`/${path}`), `${path} in ${listing}`);
    assert.equal(spawnSync('isoinfo', ['-R', '-i', target, '-x', '/openstack/content/0000'], { encoding: 'utf8' }).stdout, 'injected');
  });

  it('builds a vfat image labelled config-2 without mounting anything', async (t) => {
    if (!requireExternal(t, 'mtools', vfatTools)) return;
    const target = join(dir, 'disk.vfat');
    await buildConfigDrive(contents, target, { format: 'vfat', mkisofsCmd: 'genisoimage', tempDir: dir });
    assert.match(spawnSync('mlabel', ['-s', '-i', target, '::'], { encoding: 'utf8' }).stdout, /config-2/i);
    assert.equal(spawnSync('mtype', ['-i', target, '::/openstack/content/0000'], { encoding: 'utf8' }).stdout, 'injected');
  });

  it('refuses a path that leaves the drive and leaves no image behind', async (t) => {
    if (!requireExternal(t, 'genisoimage', isoTools)) return;
    const target = join(dir, 'evil.config');
    await assert.rejects(
      buildConfigDrive({ files: new Map([['../../etc/passwd', Buffer.from('x')]]) }, target, {
        format: 'iso9660',
        mkisofsCmd: 'genisoimage',
        tempDir: dir,
      }),
      InvalidConfigDrivePath,
    );
    assert.ok(!existsSync(target));
  });
});
