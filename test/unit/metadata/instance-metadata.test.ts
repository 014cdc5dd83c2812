import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceMetadata, normalizePath } from '../../../src/metadata/instance-metadata.js';
import { MdPassword, renderNode } from '../../../src/metadata/tree.js';
import { EC2_VERSIONS } from '../../../src/metadata/versions.js';
import { networkInfo, source, UUID } from './fixtures.js';

function text(md: InstanceMetadata, path: string): string | undefined {
  const node = md.lookup(path);
  return node === undefined ? undefined : renderNode(node).toString();
}

/** The meta-data keys each EC2 version has, for an instance with a key pair. */
const KEYS_1_0 = [
  'ami-id',
  'ami-launch-index',
  'ami-manifest-path',
  'hostname',
  'instance-id',
  'local-ipv4',
  'public-keys/',
  'reservation-id',
  'security-groups',
];
const ADDED: Record<string, string[]> = {
  '2007-01-19': ['local-hostname', 'public-hostname', 'public-ipv4'],
  '2007-08-29': ['instance-type'],
  '2007-12-15': ['block-device-mapping/'],
  '2008-02-01': ['placement/'],
  '2008-09-01': ['instance-action'],
};

function expectedKeys(version: string): string[] {
  const keys = [...KEYS_1_0];
  for (const v of EC2_VERSIONS) {
    if (v > version && v !== '1.0') break;
    keys.push(...(ADDED[v] ?? []));
  }
  return keys.sort();
}

describe('the EC2 tree', () => {
  const md = new InstanceMetadata(source(), { address: '10.0.0.3' });

  it('lists every version and latest at / and /ec2', () => {
    const versions = '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest';
    assert.equal(text(md, '/'), versions);
    assert.equal(text(md, '/ec2'), versions);
    assert.equal(text(md, '/ec2/'), versions);
  });

  for (const version of [...EC2_VERSIONS, 'latest']) {
    it(`lists the meta-data keys of ${version}, and meta-data/ and user-data under it`, () => {
      assert.equal(text(md, `/${version}`), 'meta-data/\nuser-data');
      assert.equal(text(md, `/ec2/${version}/`), 'meta-data/\nuser-data');
      const resolved = version === 'latest' ? '2009-04-04' : version;
      assert.deepEqual(text(md, `/${version}/meta-data/`)?.split('\n'), expectedKeys(resolved));
    });
  }

  it('renders each value of 2009-04-04 as text', () => {
    const v = '/2009-04-04/meta-data';
    assert.equal(text(md, `${v}/ami-id`), 'ami-00000001');
    assert.equal(text(md, `${v}/ami-launch-index`), '0');
    assert.equal(text(md, `${v}/ami-manifest-path`), 'FIXME');
    assert.equal(text(md, `${v}/instance-id`), 'i-0000002a');
    assert.equal(text(md, `${v}/hostname`), 'web-1.novalocal');
    assert.equal(text(md, `${v}/local-hostname`), 'web-1.novalocal');
    assert.equal(text(md, `${v}/public-hostname`), 'web-1.novalocal');
    assert.equal(text(md, `${v}/local-ipv4`), '10.0.0.3');
    assert.equal(text(md, `${v}/public-ipv4`), '172.24.4.10');
    assert.equal(text(md, `${v}/reservation-id`), 'r-abcd1234');
    assert.equal(text(md, `${v}/security-groups`), 'default\nweb');
    assert.equal(text(md, `${v}/instance-type`), 'm1.tiny');
    assert.equal(text(md, `${v}/instance-action`), 'none');
    assert.equal(text(md, `${v}/placement`), 'availability-zone');
    assert.equal(text(md, `${v}/placement/availability-zone`), 'nova');
    assert.equal(text(md, `${v}/block-device-mapping`), 'ami\nroot');
    assert.equal(text(md, `${v}/block-device-mapping/ami`), 'vda');
    assert.equal(text(md, `${v}/block-device-mapping/root`), '/dev/vda');
    assert.equal(text(md, `${v}/public-keys`), '0=mykey');
    assert.equal(text(md, `${v}/public-keys/0`), 'openssh-key');
    assert.equal(text(md, `${v}/public-keys/0/openssh-key`), 'ssh-rsa AAAAB3Nza test@host');
    assert.equal(text(md, '/2009-04-04/user-data'), '#!/bin/sh\necho hello\n');
  });

  it('has kernel-id and ramdisk-id from 2007-12-15 only when the instance has those images', () => {
    const withKernel = new InstanceMetadata(
      source({ ec2Ids: { instanceId: 'i-00000001', amiId: 'ami-00000001', kernelId: 'aki-00000002', ramdiskId: 'ari-00000003' } }),
    );
    assert.equal(text(withKernel, '/2007-12-15/meta-data/kernel-id'), 'aki-00000002');
    assert.equal(text(withKernel, '/latest/meta-data/ramdisk-id'), 'ari-00000003');
    assert.equal(text(withKernel, '/2007-10-10/meta-data/kernel-id'), undefined);
    assert.equal(text(md, '/latest/meta-data/kernel-id'), undefined);
  });

  it('has no user-data and no public-keys for a server created without them', () => {
    const bare = new InstanceMetadata(source({ userData: null, keyName: null, keyData: null }));
    assert.equal(text(bare, '/latest'), 'meta-data/');
    assert.equal(text(bare, '/latest/user-data'), undefined);
    assert.equal(text(bare, '/latest/meta-data/public-keys'), undefined);
    assert.ok(!text(bare, '/latest/meta-data/')?.includes('public-keys'));
  });

  it('gives an empty public-ipv4 without a floating IP and the first fixed IPv4 as local-ipv4 when no address is known', () => {
    const plain = new InstanceMetadata(source({ networkInfo: networkInfo() }));
    assert.equal(text(plain, '/latest/meta-data/public-ipv4'), '');
    assert.equal(text(plain, '/latest/meta-data/local-ipv4'), '10.0.0.3');
  });

  it('answers nothing for unknown versions, keys, and paths below a value or a list', () => {
    for (const path of [
      '/2010-01-01/meta-data',
      '/ec2/foo',
      '/latest/meta-data/nope',
      '/latest/meta-data/hostname/x',
      '/latest/meta-data/security-groups/default',
      '/latest/meta-data/public-keys/0/_name',
      '/latest/meta-data/public-keys/1',
      '/latest/user-data/x',
    ]) {
      assert.equal(md.lookup(path), undefined, path);
    }
  });

  it('normalises the path: repeated slashes, dots, trailing slash, and .. that climbs', () => {
    assert.equal(text(md, '//2009-04-04//meta-data/./instance-id/'), 'i-0000002a');
    assert.equal(text(md, '/latest/meta-data/../meta-data/hostname'), 'web-1.novalocal');
    assert.equal(text(md, '/../../latest/meta-data/instance-id'), 'i-0000002a');
    assert.deepEqual(normalizePath('/a//b/./c/../d/'), ['a', 'b', 'd']);
  });

  it('prints the hostname without a dot when dhcp_domain is empty', () => {
    assert.equal(text(new InstanceMetadata(source({ dhcpDomain: '' })), '/latest/meta-data/hostname'), 'web-1');
  });
});

describe('the OpenStack tree', () => {
  const seed = Buffer.alloc(512, 7);
  const md = new InstanceMetadata(source({ password: 'c2VjcmV0' }), {
    address: '10.0.0.3',
    now: () => new Date('2013-06-01T00:00:00Z'),
    random: () => seed,
  });

  it('lists the versions already published, and latest', () => {
    assert.equal(text(md, '/openstack'), '2012-08-10\n2013-04-04\nlatest');
    const early = new InstanceMetadata(source(), { now: () => new Date('2013-01-01T00:00:00Z') });
    assert.equal(text(early, '/openstack/'), '2012-08-10\nlatest');
  });

  it('lists meta_data.json, user_data and (from 2013-04-04) password in a version', () => {
    assert.equal(text(md, '/openstack/2012-08-10'), 'meta_data.json\nuser_data');
    assert.equal(text(md, '/openstack/2013-04-04'), 'meta_data.json\nuser_data\npassword');
    assert.equal(text(md, '/openstack/latest/'), 'meta_data.json\nuser_data\npassword');
    const bare = new InstanceMetadata(source({ userData: null }));
    assert.equal(text(bare, '/openstack/latest'), 'meta_data.json\npassword');
  });

  it('writes meta_data.json as Python did, with random_seed from 2013-04-04', () => {
    const folsom = text(md, '/openstack/2012-08-10/meta_data.json');
    assert.equal(
      folsom,
      `{"uuid": "${UUID}", "meta": {"role": "web"}, "public_keys": {"mykey": "ssh-rsa AAAAB3Nza test@host"}, ` +
        '"hostname": "web-1.novalocal", "name": "web 1", "launch_index": 0, "availability_zone": "nova"}',
    );
    const latest = JSON.parse(text(md, '/openstack/latest/meta_data.json') as string);
    assert.equal(latest.random_seed, seed.toString('base64'));
    assert.equal(latest.uuid, UUID);
    assert.equal(latest.admin_pass, undefined);
    assert.equal(latest.files, undefined);
  });

  it('leaves meta and public_keys out when the server has none', () => {
    const bare = new InstanceMetadata(source({ metadata: {}, keyName: null, keyData: null }));
    const doc = JSON.parse(text(bare, '/openstack/latest/meta_data.json') as string);
    assert.deepEqual(Object.keys(doc).sort(), ['availability_zone', 'hostname', 'launch_index', 'name', 'random_seed', 'uuid']);
  });

  it('serves user_data raw, and the password endpoint only from 2013-04-04', () => {
    assert.equal(text(md, '/openstack/latest/user_data'), '#!/bin/sh\necho hello\n');
    const node = md.lookup('/openstack/2013-04-04/password');
    assert.ok(node instanceof MdPassword);
    assert.equal(node.current, 'c2VjcmV0');
    assert.equal(md.lookup('/openstack/2012-08-10/password'), undefined);
  });

  it('answers nothing for unknown versions and names, and for content without a key', () => {
    for (const path of [
      '/openstack/2011-01-01',
      '/openstack/2013-10-17/meta_data.json',
      '/openstack/latest/vendor_data.json',
      '/openstack/latest/network_data.json',
      '/openstack/content',
      '/openstack/content/0000',
      '/openstack/content/0000/x',
    ]) {
      assert.equal(md.lookup(path), undefined, path);
    }
    assert.equal(new InstanceMetadata(source({ userData: null })).lookup('/openstack/latest/user_data'), undefined);
  });

  it('publishes the injected network configuration as content/0000', () => {
    const injected = new InstanceMetadata(source({ networkInfo: networkInfo({ injected: true }) }));
    const doc = JSON.parse(text(injected, '/openstack/latest/meta_data.json') as string);
    assert.deepEqual(doc.network_config, { name: 'network_config', content_path: '/content/0000' });
    const file = text(injected, '/openstack/content/0000') as string;
    assert.match(
      file,
      /iface eth0 inet static\n {8}address 10\.0\.0\.3\n {8}netmask 255\.255\.255\.0\n {8}broadcast 10\.0\.0\.255\n {8}gateway 10\.0\.0\.1\n {8}dns-nameservers 8\.8\.8\.8\n/,
    );
  });
});
