import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import {
  configDriveContent,
  configDriveForInstance,
  configDriveRequired,
  configDriveSettings,
} from '../../../src/metadata/config-drive.js';
import { InstanceMetadata } from '../../../src/metadata/instance-metadata.js';
import { renderNode } from '../../../src/metadata/tree.js';
import { networkInfo, source, UUID } from './fixtures.js';

describe('the config drive', () => {
  const settings = configDriveSettings(Config.load({}));
  const files = [{ path: '/etc/motd', contents: Buffer.from('welcome\n') }];

  it('defaults to iso9660, skips the old EC2 versions and is not forced', () => {
    assert.deepEqual(settings, {
      format: 'iso9660',
      skipVersions: ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01'],
      force: false,
    });
    assert.equal(
      configDriveSettings(Config.load({ overrides: { DEFAULT: { config_drive_format: 'vfat', force_config_drive: 'always' } } })).format,
      'vfat',
    );
  });

  it('is built when the server asked for it, or for every server when forced', () => {
    assert.equal(configDriveRequired({ config_drive: 'True' }, { force: false }), true);
    assert.equal(configDriveRequired({ config_drive: '' }, { force: false }), false);
    assert.equal(configDriveRequired({ config_drive: null }, { force: true }), true);
  });

  it('holds both trees for every version not skipped, the content files, and no password', () => {
    const drive = configDriveContent(source({ password: 'posted' }), { files, adminPass: 'Secr3t' }, settings);
    assert.equal(drive.label, 'config-2');
    assert.equal(drive.format, 'iso9660');
    assert.deepEqual([...drive.files.keys()].sort(), [
      'ec2/2009-04-04/meta-data.json',
      'ec2/2009-04-04/user-data',
      'ec2/latest/meta-data.json',
      'ec2/latest/user-data',
      'openstack/2012-08-10/meta_data.json',
      'openstack/2012-08-10/user_data',
      'openstack/2013-04-04/meta_data.json',
      'openstack/2013-04-04/user_data',
      'openstack/content/0000',
      'openstack/latest/meta_data.json',
      'openstack/latest/user_data',
    ]);
    assert.equal(drive.files.get('openstack/content/0000')?.toString(), 'welcome\n');
    assert.equal(drive.files.get('openstack/latest/user_data')?.toString(), '#!/bin/sh\necho hello\n');
    const md = JSON.parse(drive.files.get('openstack/latest/meta_data.json')?.toString() as string);
    assert.equal(md.uuid, UUID);
    assert.equal(md.admin_pass, 'Secr3t');
    assert.deepEqual(md.files, [{ path: '/etc/motd', content_path: '/content/0000' }]);
    assert.deepEqual(md.meta, { role: 'web' });
  });

  it('writes EC2 meta-data.json with the public key under 0 and the same values the service serves', () => {
    const drive = configDriveContent(source(), {}, settings);
    const ec2 = JSON.parse(drive.files.get('ec2/latest/meta-data.json')?.toString() as string);
    assert.deepEqual(ec2['public-keys'], { '0': { 'openssh-key': 'ssh-rsa AAAAB3Nza test@host' } });
    assert.deepEqual(ec2.placement, { 'availability-zone': 'nova' });
    assert.deepEqual(ec2['block-device-mapping'], { ami: 'vda', root: '/dev/vda' });
    const service = new InstanceMetadata(source());
    for (const key of ['instance-id', 'hostname', 'local-ipv4', 'ami-id', 'reservation-id', 'instance-type', 'public-ipv4']) {
      assert.equal(String(ec2[key]), renderNode(service.lookup(`/latest/meta-data/${key}`) as never).toString(), key);
    }
    assert.deepEqual(ec2['security-groups'], ['default', 'web']);
  });

  it('puts the injected network configuration first and the files after it', () => {
    const drive = configDriveContent(source({ networkInfo: networkInfo({ injected: true }) }), { files }, settings);
    assert.match(drive.files.get('openstack/content/0000')?.toString() as string, /iface eth0 inet static/);
    assert.equal(drive.files.get('openstack/content/0001')?.toString(), 'welcome\n');
    const md = JSON.parse(drive.files.get('openstack/2012-08-10/meta_data.json')?.toString() as string);
    assert.deepEqual(md.files, [{ path: '/etc/motd', content_path: '/content/0001' }]);
    assert.equal(md.random_seed, undefined);
  });

  it('has no user data files for a server without user data, and every EC2 version when none is skipped', () => {
    const drive = configDriveContent(source({ userData: null }), {}, { ...settings, skipVersions: [] });
    assert.equal([...drive.files.keys()].filter((p) => p.endsWith('user-data') || p.endsWith('user_data')).length, 0);
    assert.equal([...drive.files.keys()].filter((p) => p.startsWith('ec2/')).length, 10);
  });
});

describe('the config drive of an instance record', () => {
  const settings = configDriveSettings(Config.load({}));
  const record = {
    uuid: UUID,
    project_id: 'p1',
    display_name: 'web 1',
    hostname: 'web-1',
    launch_index: 0,
    reservation_id: 'r-abcd1234',
    key_name: 'mykey',
    key_data: 'ssh-rsa AAAA',
    user_data: Buffer.from('#cloud-config\n').toString('base64'),
    root_device_name: '/dev/vda',
    default_ephemeral_device: null,
    default_swap_device: null,
    metadata: { k: 'v' },
    system_metadata: { instance_type_name: 'm1.small', password_0: 'posted' },
    info_cache: { network_info: JSON.stringify(networkInfo()) },
    security_groups: [{ name: 'default' }],
    config_drive: 'True',
  };
  const extras = {
    blockDeviceMappings: [],
    availabilityZone: 'az1',
    ec2Ids: { instanceId: 'i-00000005', amiId: 'ami-00000002', kernelId: null, ramdiskId: null },
    dhcpDomain: 'example.org',
    useIpv6: false,
  };

  it('is null when the instance asked for none and none is forced', () => {
    assert.equal(configDriveForInstance({ ...record, config_drive: '' }, extras, {}, settings), null);
    assert.notEqual(configDriveForInstance({ ...record, config_drive: '' }, extras, {}, { ...settings, force: true }), null);
  });

  it('decodes the stored user data and takes every value from the record and the extras', () => {
    const drive = configDriveForInstance(record, extras, { adminPass: 'pw' }, settings);
    assert.equal(drive?.files.get('openstack/latest/user_data')?.toString(), '#cloud-config\n');
    const os = JSON.parse(drive?.files.get('openstack/latest/meta_data.json')?.toString() as string);
    assert.equal(os.hostname, 'web-1.example.org');
    assert.equal(os.availability_zone, 'az1');
    assert.equal(os.admin_pass, 'pw');
    const ec2 = JSON.parse(drive?.files.get('ec2/2009-04-04/meta-data.json')?.toString() as string);
    assert.equal(ec2['instance-id'], 'i-00000005');
    assert.equal(ec2['instance-type'], 'm1.small');
    assert.equal(ec2['local-ipv4'], '10.0.0.3');
  });
});
