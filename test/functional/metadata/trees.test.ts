import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import { EC2_VERSIONS } from '../../../src/metadata/versions.js';
import { IMAGE, KERNEL, type MetadataCloud, startMetadataCloud } from './harness.js';

const USER_DATA = Buffer.from([0x23, 0x21, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x73, 0x68, 0x0a, 0x00, 0xff, 0xfe, 0x0a]);

/** Every path below `root` the listings name, with what each answers. */
async function crawl(c: MetadataCloud, root: string, from: string): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const queue = [root];
  while (queue.length > 0) {
    const path = queue.shift() as string;
    const reply = await c.md(path, { from });
    assert.equal(reply.status, 200, `${path} answered ${reply.status}`);
    seen.set(path, reply.text);
    if (!path.endsWith('/')) continue;
    for (const line of reply.text.split('\n')) {
      if (line === '') continue;
      const name = line.includes('=') ? `${line.split('=')[0]}/` : line;
      queue.push(`${path}${name}`);
    }
  }
  return seen;
}

describe('the metadata service over HTTP, for a server booted through the API', () => {
  let c: MetadataCloud;
  let server: { id: string; ip: string };
  let publicKey: string;

  before(async () => {
    c = await startMetadataCloud();
    const kp = await c.api('POST', '/os-keypairs', 'u1:p1', { keypair: { name: 'mykey' } });
    assert.equal(kp.status, 200);
    publicKey = kp.json.keypair.public_key;
    server = await c.boot('u1:p1', {
      name: 'web_1',
      key_name: 'mykey',
      user_data: USER_DATA.toString('base64'),
      metadata: { role: 'web', tier: 'front' },
    });
  });
  after(() => c.close());

  it('lists the EC2 versions at / without identifying the caller', async () => {
    const reply = await c.md('/', { from: '192.0.2.1' });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, [...EC2_VERSIONS, 'latest'].join('\n'));
    assert.match(reply.headers.get('content-type') ?? '', /^text\/plain/);
  });

  for (const version of [...EC2_VERSIONS, 'latest']) {
    it(`answers every path of the EC2 tree ${version}, under / and /ec2`, async () => {
      const paths = await crawl(c, `/${version}/`, server.ip);
      const viaEc2 = await crawl(c, `/ec2/${version}/`, server.ip);
      assert.deepEqual([...viaEc2.values()], [...paths.values()], 'the /ec2 prefix changes nothing');
      const md = `/${version}/meta-data/`;
      const instance = await instanceGetByUuid(c.db, adminContext(), server.id);
      const ec2Id = (
        await c.db.kysely.selectFrom('instance_id_mappings').select('id').where('uuid', '=', server.id).executeTakeFirstOrThrow()
      ).id;
      const ami = (await c.db.kysely.selectFrom('s3_images').select('id').where('uuid', '=', IMAGE).executeTakeFirstOrThrow()).id;
      assert.equal(paths.get(`${md}instance-id`), `i-${ec2Id.toString(16).padStart(8, '0')}`);
      assert.equal(paths.get(`${md}ami-id`), `ami-${ami.toString(16).padStart(8, '0')}`);
      assert.equal(paths.get(`${md}ami-launch-index`), '0');
      assert.equal(paths.get(`${md}ami-manifest-path`), 'FIXME');
      assert.equal(paths.get(`${md}hostname`), 'web-1.novalocal');
      assert.equal(paths.get(`${md}local-ipv4`), server.ip);
      assert.equal(paths.get(`${md}reservation-id`), instance.reservation_id);
      assert.equal(paths.get(`${md}security-groups`), 'default');
      assert.equal(paths.get(`${md}public-keys/`), '0=mykey');
      assert.equal(paths.get(`${md}public-keys/0/`), 'openssh-key');
      assert.equal(paths.get(`${md}public-keys/0/openssh-key`), publicKey);
      const at = (v: string) => version === 'latest' || EC2_VERSIONS.indexOf(version as never) >= EC2_VERSIONS.indexOf(v as never);
      assert.equal(paths.get(`${md}local-hostname`), at('2007-01-19') ? 'web-1.novalocal' : undefined);
      assert.equal(paths.get(`${md}public-hostname`), at('2007-01-19') ? 'web-1.novalocal' : undefined);
      assert.equal(paths.get(`${md}public-ipv4`), at('2007-01-19') ? '' : undefined);
      assert.equal(paths.get(`${md}instance-type`), at('2007-08-29') ? 'm1.tiny' : undefined);
      assert.equal(paths.get(`${md}block-device-mapping/root`), at('2007-12-15') ? '/dev/vda' : undefined);
      assert.equal(paths.get(`${md}block-device-mapping/ami`), at('2007-12-15') ? 'vda' : undefined);
      if (at('2007-12-15')) assert.match(paths.get(`${md}kernel-id`) ?? '', /^aki-[0-9a-f]{8}$/);
      else assert.equal(paths.get(`${md}kernel-id`), undefined);
      assert.equal(paths.get(`${md}placement/availability-zone`), at('2008-02-01') ? 'nova' : undefined);
      assert.equal(paths.get(`${md}instance-action`), at('2008-09-01') ? 'none' : undefined);
      assert.equal(paths.get(`${md}ramdisk-id`), undefined, 'the image has no ramdisk');
    });
  }

  it('returns the user data byte for byte', async () => {
    const res = await fetch(`${c.metadataUrl}/latest/user-data`, { headers: { 'X-Forwarded-For': server.ip } });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), USER_DATA);
    const os = await fetch(`${c.metadataUrl}/openstack/latest/user_data`, { headers: { 'X-Forwarded-For': server.ip } });
    assert.deepEqual(Buffer.from(await os.arrayBuffer()), USER_DATA);
  });

  it('maps the kernel image to the same aki id on every request', async () => {
    const first = await c.md('/latest/meta-data/kernel-id', { from: server.ip });
    const row = await c.db.kysely.selectFrom('s3_images').select('id').where('uuid', '=', KERNEL).execute();
    assert.equal(row.length, 1);
    assert.equal(first.text, `aki-${(row[0]?.id ?? -1).toString(16).padStart(8, '0')}`);
  });

  it('answers every path of the OpenStack tree', async () => {
    assert.equal((await c.md('/openstack', { from: server.ip })).text, '2012-08-10\n2013-04-04\nlatest');
    assert.equal((await c.md('/openstack/2012-08-10', { from: server.ip })).text, 'meta_data.json\nuser_data');
    for (const version of ['2013-04-04', 'latest']) {
      assert.equal((await c.md(`/openstack/${version}/`, { from: server.ip })).text, 'meta_data.json\nuser_data\npassword');
      assert.equal((await c.md(`/openstack/${version}/password`, { from: server.ip })).text, '');
    }
    for (const version of ['2012-08-10', '2013-04-04', 'latest']) {
      const reply = await c.md(`/openstack/${version}/meta_data.json`, { from: server.ip });
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      const doc = JSON.parse(reply.text);
      assert.equal(doc.uuid, server.id);
      assert.equal(doc.name, 'web_1');
      assert.equal(doc.hostname, 'web-1.novalocal');
      assert.equal(doc.launch_index, 0);
      assert.equal(doc.availability_zone, 'nova');
      assert.deepEqual(doc.meta, { role: 'web', tier: 'front' });
      assert.deepEqual(doc.public_keys, { mykey: publicKey });
      assert.equal('admin_pass' in doc, false, 'only the config drive carries admin_pass');
      assert.equal('files' in doc, false, 'personality files are not stored, so the service has none');
      assert.equal('random_seed' in doc, version !== '2012-08-10');
    }
  });

  it('answers 404 for unknown paths and versions', async () => {
    for (const path of [
      '/2010-01-01/meta-data/',
      '/latest/meta-data/nope',
      '/latest/meta-data/hostname/more',
      '/ec2/nope',
      '/openstack/2099-01-01/meta_data.json',
      '/openstack/latest/vendor_data.json',
      '/openstack/latest/network_data.json',
      '/openstack/2012-08-10/password',
      '/openstack/content',
      '/openstack/content/0000',
      '/latest/%E0%A4%A',
    ]) {
      const reply = await c.md(path, { from: server.ip });
      assert.equal(reply.status, 404, path);
    }
  });

  it('answers 404 to an address that is no fixed IP of an instance', async () => {
    for (const from of ['192.0.2.77', '10.0.0.250', 'not-an-ip']) {
      assert.equal((await c.md('/latest/meta-data/instance-id', { from })).status, 404, from);
    }
  });

  it('shows a metadata change at once, though the instance was cached', async () => {
    const read = async () => JSON.parse((await c.md('/openstack/latest/meta_data.json', { from: server.ip })).text).meta;
    assert.deepEqual(await read(), { role: 'web', tier: 'front' });
    assert.equal((await c.api('PUT', `/servers/${server.id}/metadata/role`, 'u1:p1', { meta: { role: 'db' } })).status, 200);
    assert.deepEqual(await read(), { role: 'db', tier: 'front' });
    assert.equal((await c.api('DELETE', `/servers/${server.id}/metadata/tier`, 'u1:p1')).status, 204);
    assert.deepEqual(await read(), { role: 'db' });
  });

  it('keeps a change made by another process out of sight until the cache entry expires', async () => {
    const read = async () => JSON.parse((await c.md('/openstack/latest/meta_data.json', { from: server.ip })).text).meta;
    const before = await read();
    await c.db.kysely
      .insertInto('instance_metadata')
      .values({ instance_uuid: server.id, key: 'elsewhere', value: 'yes', created_at: new Date(), deleted: 0 })
      .execute();
    assert.deepEqual(await read(), before);
    c.advance(14_000);
    assert.deepEqual(await read(), before);
    c.advance(1_000);
    assert.deepEqual(await read(), { ...before, elsewhere: 'yes' });
  });
});
