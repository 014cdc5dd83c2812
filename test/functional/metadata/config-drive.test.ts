/**
 * The config drive through the build path: POST /servers with `config_drive` (or a host
 * with `force_config_drive`) makes the compute manager gather the instance's metadata
 * through the conductor and hand the drive's files to the driver at spawn; the drive holds
 * what the metadata service serves the same instance, plus the personality files and the
 * admin password that only the drive carries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { instanceName } from '../../../src/compute/instance-name.js';
import { adminContext } from '../../../src/context/context.js';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import type { FakeDriver } from '../../../src/virt/fake/driver.js';
import { fakeDriver, waitForRest } from '../compute/harness.js';
import { IMAGE, type MetadataCloud, startMetadataCloud } from './harness.js';

const USER_DATA = Buffer.from([0x23, 0x21, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x73, 0x68, 0x0a, 0x00, 0xff, 0xfe, 0x0a]);
const PERSONALITY = Buffer.from('motd for the guest\n');

describe('config drives built at spawn', () => {
  let c: MetadataCloud;
  let publicKey: string;

  const driver = (): FakeDriver => c.cloud.computes.get('cmp1')?.driver as FakeDriver;
  const driveOf = async (uuid: string): Promise<ReadonlyMap<string, Buffer> | null> => {
    const record = await instanceGetByUuid(c.db, adminContext(), uuid);
    return driver().configDriveFiles({ uuid, name: instanceName('instance-%08x', record) });
  };
  const json = (drive: ReadonlyMap<string, Buffer>, path: string): Record<string, unknown> => {
    const bytes = drive.get(path);
    assert.ok(bytes, `the drive has ${path}; it has ${[...drive.keys()].join(', ')}`);
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  };

  before(async () => {
    c = await startMetadataCloud();
    const kp = await c.api('POST', '/os-keypairs', 'u1:p1', { keypair: { name: 'drivekey' } });
    assert.equal(kp.status, 200);
    publicKey = kp.json.keypair.public_key;
  });
  after(() => c.close());

  it('config_drive=true puts the metadata service’s trees, the personality files and the admin password on the drive', async () => {
    const created = await c.api('POST', '/servers', 'u1:p1', {
      server: {
        imageRef: IMAGE,
        flavorRef: '1',
        name: 'drive_1',
        key_name: 'drivekey',
        config_drive: true,
        user_data: USER_DATA.toString('base64'),
        metadata: { role: 'db' },
        personality: [{ path: '/etc/motd', contents: PERSONALITY.toString('base64') }],
      },
    });
    assert.equal(created.status, 202, JSON.stringify(created.json));
    const id = created.json.server.id as string;
    const adminPass = created.json.server.adminPass as string;
    assert.equal((await waitForRest(c.cloud, id)).vm_state, 'active');
    const server = (await c.api('GET', `/servers/${id}`, 'u1:p1')).json.server;
    assert.equal(server.config_drive, 'True');
    const ip = Object.values(server.addresses as Record<string, { addr: string }[]>)[0]?.[0]?.addr as string;

    const drive = await driveOf(id);
    assert.ok(drive, 'the driver was handed a config drive');
    for (const version of ['2012-08-10', '2013-04-04', 'latest']) {
      const onDrive = json(drive, `openstack/${version}/meta_data.json`);
      const served = JSON.parse((await c.md(`/openstack/${version}/meta_data.json`, { from: ip })).text) as Record<string, unknown>;
      // random_seed is fresh on every read; files and admin_pass exist only on the drive.
      const { random_seed: _a, files, admin_pass, ...driveRest } = onDrive;
      const { random_seed: _b, ...servedRest } = served;
      assert.deepEqual(driveRest, servedRest, `openstack/${version}/meta_data.json`);
      assert.equal(admin_pass, adminPass);
      assert.deepEqual(files, [{ path: '/etc/motd', content_path: '/content/0000' }]);
      assert.deepEqual(drive.get(`openstack/${version}/user_data`), USER_DATA);
    }
    assert.deepEqual(drive.get('openstack/content/0000'), PERSONALITY);
    assert.equal(json(drive, 'openstack/latest/meta_data.json').uuid, id);
    assert.deepEqual(json(drive, 'openstack/latest/meta_data.json').public_keys, { drivekey: publicKey });

    const ec2 = json(drive, 'ec2/latest/meta-data.json');
    assert.equal(ec2['instance-id'], (await c.md('/latest/meta-data/instance-id', { from: ip })).text);
    assert.equal(ec2.hostname, (await c.md('/latest/meta-data/hostname', { from: ip })).text);
    assert.deepEqual(drive.get('ec2/latest/user-data'), USER_DATA);
    assert.equal(drive.has('ec2/1.0/meta-data.json'), false, 'config_drive_skip_versions leaves the oldest EC2 versions off');
  });

  it('a server that asks for no drive gets none', async () => {
    const { id } = await c.boot('u1:p1', { name: 'nodrive' });
    assert.equal(await driveOf(id), null);
  });

  it('force_config_drive gives every server a drive, asked for or not', async () => {
    await c.cloud.stopCompute('cmp1');
    await c.cloud.startCompute('cmp1', fakeDriver('cmp1'), undefined, {
      configDrive: { format: 'vfat', skipVersions: [], force: true },
    });
    const { id } = await c.boot('u1:p1', { name: 'forced' });
    const drive = await driveOf(id);
    assert.ok(drive, 'the driver was handed a config drive');
    assert.equal(json(drive, 'openstack/latest/meta_data.json').uuid, id);
    assert.ok(drive.has('ec2/1.0/meta-data.json'), 'no version skipped when the skip list is empty');
  });
});
