import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { Ec2Client } from '../../support/aws-client.js';
import { type Ec2Cloud, startEc2Cloud } from './harness.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed XML is inspected freely
type Xml = any;

const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'item' });

function parse(text: string): Xml {
  return parser.parse(text);
}

function errorCode(text: string): string {
  return parse(text).Response?.Errors?.Error?.Code;
}

function imageUrl(c: Ec2Cloud): string {
  const service = c.cloud.identity.service.catalog.find((s) => s.type === 'image');
  return (service?.endpoints.find((e) => e.interface === 'public')?.url ?? '').replace(/\/+$/, '');
}

async function createGlanceImage(c: Ec2Cloud, token: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${imageUrl(c)}/v2/images`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Auth-Token': token },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

describe('EC2 API: authentication and framework', () => {
  let c: Ec2Cloud;
  let demo: Ec2Client;
  before(async () => {
    c = await startEc2Cloud();
    demo = new Ec2Client(c.ec2Url, c.demo);
  });
  after(async () => {
    await c.stop();
  });

  for (const signing of ['v4', 'v4-query', 'v2', 'v2-sha1'] as const) {
    it(`accepts a request signed with ${signing} and answers AWS-shaped XML with a requestId`, async () => {
      const r = await demo.call('DescribeRegions', {}, { signing });
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get('content-type') ?? '', /text\/xml/);
      const body = parse(r.text).DescribeRegionsResponse;
      assert.match(body.requestId, /^req-[0-9a-f-]{36}$/);
      assert.equal(body.regionInfo.item[0].regionName, 'nova');
    });
  }

  it('serves /services/Cloud as well as /', async () => {
    const r = await demo.call('DescribeRegions', {}, { path: '/services/Cloud' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"/);
  });

  it('refuses a wrong secret with AuthFailure (401)', async () => {
    for (const signing of ['v4', 'v2'] as const) {
      const r = await demo.call('DescribeRegions', {}, { signing, secret: 'not-the-secret' });
      assert.equal(r.status, 401);
      assert.equal(errorCode(r.text), 'AuthFailure');
      assert.match(parse(r.text).Response.RequestID, /^req-/);
    }
  });

  it('refuses an unknown access key with AuthFailure', async () => {
    const r = await new Ec2Client(c.ec2Url, { access: 'nobody', secret: 'x' }).call('DescribeRegions');
    assert.equal(r.status, 401);
    assert.equal(errorCode(r.text), 'AuthFailure');
  });

  it('refuses a request signed 20 minutes ago, or whose Expires has passed, with RequestExpired', async () => {
    const old = new Date(Date.now() - 20 * 60_000);
    for (const signing of ['v4', 'v4-query', 'v2'] as const) {
      const r = await demo.call('DescribeRegions', {}, { signing, at: old });
      assert.equal(r.status, 400);
      assert.equal(errorCode(r.text), 'RequestExpired', signing);
    }
    const expired = await demo.call('DescribeRegions', {}, { signing: 'v2', expires: new Date(Date.now() - 1000) });
    assert.equal(errorCode(expired.text), 'RequestExpired');
    const fine = await demo.call('DescribeRegions', {}, { signing: 'v2', expires: new Date(Date.now() + 60_000) });
    assert.equal(fine.status, 200, fine.text);
  });

  it('refuses an unsigned request, and names a missing SigV2 parameter', async () => {
    const unsigned = await fetch(`${c.ec2Url}/?Action=DescribeRegions&Version=2016-11-15`);
    assert.equal(unsigned.status, 401);
    assert.equal(errorCode(await unsigned.text()), 'MissingAuthenticationToken');
    const partial = await fetch(`${c.ec2Url}/?Action=DescribeRegions&SignatureVersion=2&AWSAccessKeyId=${c.demo.access}&Signature=x`);
    assert.equal(partial.status, 400);
    assert.equal(errorCode(await partial.text()), 'MissingParameter');
  });

  it('answers InvalidAction for an action it does not have, and 404 for another path', async () => {
    const r = await demo.call('DescribeNothing');
    assert.equal(r.status, 400);
    assert.equal(errorCode(r.text), 'InvalidAction');
    const other = await demo.call('DescribeRegions', {}, { path: '/elsewhere' });
    assert.equal(other.status, 404);
  });

  it('DescribeRegions filters by name and refuses an unknown region', async () => {
    const r = await demo.call('DescribeRegions', { 'Filter.1.Name': 'region-name', 'Filter.1.Value.1': 'no*' });
    assert.equal(parse(r.text).DescribeRegionsResponse.regionInfo.item.length, 1);
    const none = await demo.call('DescribeRegions', { 'Filter.1.Name': 'region-name', 'Filter.1.Value.1': 'x*' });
    assert.equal(parse(none.text).DescribeRegionsResponse.regionInfo, '');
    const unknown = await demo.call('DescribeRegions', { 'RegionName.1': 'mars' });
    assert.equal(errorCode(unknown.text), 'InvalidParameterValue');
    const badFilter = await demo.call('DescribeRegions', { 'Filter.1.Name': 'colour', 'Filter.1.Value.1': 'x' });
    assert.equal(errorCode(badFilter.text), 'InvalidParameterValue');
  });

  it('DescribeAvailabilityZones lists the zone of the compute host, hides the internal one, and is verbose for admins', async () => {
    const r = parse((await demo.call('DescribeAvailabilityZones')).text).DescribeAvailabilityZonesResponse;
    assert.deepEqual(
      r.availabilityZoneInfo.item.map((z: Xml) => [z.zoneName, z.zoneState]),
      [['nova', 'available']],
    );
    const unknown = await demo.call('DescribeAvailabilityZones', { 'ZoneName.1': 'atlantis' });
    assert.equal(errorCode(unknown.text), 'InvalidParameterValue');
    const verbose = parse((await new Ec2Client(c.ec2Url, c.admin).call('DescribeAvailabilityZones', { 'ZoneName.1': 'verbose' })).text);
    const names = verbose.DescribeAvailabilityZonesResponse.availabilityZoneInfo.item.map((z: Xml) => z.zoneName);
    assert.ok(
      names.some((n: string) => n.startsWith('|- ')),
      names.join(','),
    );
    assert.ok(names.includes('| |- nova-compute'), names.join(','));
    const notVerbose = parse((await demo.call('DescribeAvailabilityZones', { 'ZoneName.1': 'verbose' })).text);
    assert.equal(notVerbose.DescribeAvailabilityZonesResponse.availabilityZoneInfo.item.length, 1);
  });

  it('volume and snapshot actions answer UnsupportedOperation', async () => {
    for (const action of ['DescribeVolumes', 'CreateVolume', 'AttachVolume', 'DescribeSnapshots', 'CreateSnapshot', 'DeleteSnapshot']) {
      const r = await demo.call(action, { VolumeId: 'vol-00000001' });
      assert.equal(r.status, 400);
      assert.equal(errorCode(r.text), 'UnsupportedOperation', action);
    }
  });

  it('key pairs: create, describe, import, duplicate, not found, delete', async () => {
    const created = parse((await demo.call('CreateKeyPair', { KeyName: 'k1' })).text).CreateKeyPairResponse;
    assert.match(created.keyMaterial, /BEGIN RSA PRIVATE KEY/);
    assert.match(created.keyFingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const dup = await demo.call('CreateKeyPair', { KeyName: 'k1' });
    assert.equal(errorCode(dup.text), 'InvalidKeyPair.Duplicate');
    const badName = await demo.call('CreateKeyPair', { KeyName: 'bad/name' });
    assert.equal(errorCode(badName.text), 'InvalidParameterValue');
    const missing = await demo.call('CreateKeyPair');
    assert.equal(errorCode(missing.text), 'MissingParameter');

    const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string };
    const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(pub.x, 'base64url'))]);
    const line = `ssh-ed25519 ${blob.toString('base64')} me@host`;
    const imported = parse(
      (await demo.call('ImportKeyPair', { KeyName: '0123', PublicKeyMaterial: Buffer.from(line).toString('base64') })).text,
    );
    assert.equal(imported.ImportKeyPairResponse.keyName, '0123');
    const badKey = await demo.call('ImportKeyPair', { KeyName: 'k3', PublicKeyMaterial: Buffer.from('ssh-rsa AAAA').toString('base64') });
    assert.equal(errorCode(badKey.text), 'InvalidKeyPair.Format');

    const all = parse((await demo.call('DescribeKeyPairs')).text).DescribeKeyPairsResponse.keySet.item.map((k: Xml) => k.keyName);
    assert.deepEqual(all, ['0123', 'k1']);
    const one = parse((await demo.call('DescribeKeyPairs', { 'KeyName.1': 'k1' })).text).DescribeKeyPairsResponse.keySet.item;
    assert.deepEqual(
      one.map((k: Xml) => k.keyName),
      ['k1'],
    );
    const filtered = parse((await demo.call('DescribeKeyPairs', { 'Filter.1.Name': 'key-name', 'Filter.1.Value.1': '01*' })).text);
    assert.deepEqual(
      filtered.DescribeKeyPairsResponse.keySet.item.map((k: Xml) => k.keyName),
      ['0123'],
    );
    const notFound = await demo.call('DescribeKeyPairs', { 'KeyName.1': 'k1', 'KeyName.2': 'nope' });
    assert.equal(errorCode(notFound.text), 'InvalidKeyPair.NotFound');
    const adminKeys = parse((await new Ec2Client(c.ec2Url, c.admin).call('DescribeKeyPairs')).text).DescribeKeyPairsResponse.keySet;
    assert.equal(adminKeys, '', 'key pairs belong to their user');

    assert.equal(parse((await demo.call('DeleteKeyPair', { KeyName: 'k1' })).text).DeleteKeyPairResponse.return, 'true');
    assert.equal(parse((await demo.call('DeleteKeyPair', { KeyName: 'k1' })).text).DeleteKeyPairResponse.return, 'true');
    const left = parse((await demo.call('DescribeKeyPairs')).text).DescribeKeyPairsResponse.keySet.item.map((k: Xml) => k.keyName);
    assert.deepEqual(left, ['0123']);
  });

  it('images: ids by type that stay stable, attributes, publicity, deregistration', async () => {
    const token = c.demoToken;
    const kernel = await createGlanceImage(c, token, { name: 'vmlinuz', container_format: 'aki', disk_format: 'aki' });
    const machine = await createGlanceImage(c, token, {
      name: 'cirros',
      container_format: 'bare',
      disk_format: 'qcow2',
      kernel_id: kernel,
      description: 'tiny',
    });
    const images = parse((await demo.call('DescribeImages')).text).DescribeImagesResponse.imagesSet.item as Xml[];
    const byName = new Map(images.map((i) => [i.name, i]));
    const ami = byName.get('cirros');
    const aki = byName.get('vmlinuz');
    assert.match(ami.imageId, /^ami-[0-9a-f]{8}$/);
    assert.match(aki.imageId, /^aki-[0-9a-f]{8}$/);
    assert.equal(ami.kernelId, aki.imageId.replace('aki-', 'aki-'));
    assert.equal(ami.imageType, 'machine');
    assert.equal(aki.imageType, 'kernel');
    assert.equal(ami.imageState, 'queued');
    assert.equal(ami.imageLocation, 'None (cirros)');
    assert.equal(ami.rootDeviceName, '/dev/sda1');
    assert.equal(ami.rootDeviceType, 'instance-store');
    assert.equal(ami.isPublic, 'false');
    assert.equal(ami.imageOwnerId, c.cloud.bootstrap.demo.projectId);

    const again = parse((await demo.call('DescribeImages', { 'ImageId.1': ami.imageId })).text).DescribeImagesResponse.imagesSet.item;
    assert.equal(again.length, 1);
    assert.equal(again[0].name, 'cirros');
    const byGlanceName = parse((await demo.call('DescribeImages', { 'ImageId.1': 'cirros' })).text).DescribeImagesResponse.imagesSet.item;
    assert.equal(byGlanceName[0].imageId, ami.imageId);
    const wrongPrefix = await demo.call('DescribeImages', { 'ImageId.1': ami.imageId.replace('ami-', 'ari-') });
    assert.equal(errorCode(wrongPrefix.text), 'InvalidAMIID.NotFound');
    const unknown = await demo.call('DescribeImages', { 'ImageId.1': 'ami-0000ffff' });
    assert.equal(errorCode(unknown.text), 'InvalidAMIID.NotFound');
    const kernels = parse((await demo.call('DescribeImages', { 'Filter.1.Name': 'image-type', 'Filter.1.Value.1': 'kernel' })).text);
    assert.deepEqual(
      kernels.DescribeImagesResponse.imagesSet.item.map((i: Xml) => i.name),
      ['vmlinuz'],
    );
    const mine = parse((await demo.call('DescribeImages', { 'Owner.1': 'self' })).text).DescribeImagesResponse.imagesSet.item;
    assert.equal(mine.length, 2);

    const kernelAttr = parse((await demo.call('DescribeImageAttribute', { ImageId: ami.imageId, Attribute: 'kernel' })).text);
    assert.equal(kernelAttr.DescribeImageAttributeResponse.kernel.value, aki.imageId);
    const desc = parse((await demo.call('DescribeImageAttribute', { ImageId: ami.imageId, Attribute: 'description' })).text);
    assert.equal(desc.DescribeImageAttributeResponse.description.value, 'tiny');
    const launch = parse((await demo.call('DescribeImageAttribute', { ImageId: ami.imageId, Attribute: 'launchPermission' })).text);
    assert.equal(launch.DescribeImageAttributeResponse.launchPermission, '');
    const badAttr = await demo.call('DescribeImageAttribute', { ImageId: ami.imageId, Attribute: 'colour' });
    assert.equal(errorCode(badAttr.text), 'InvalidParameterValue');

    const modified = await demo.call('ModifyImageAttribute', { ImageId: ami.imageId, 'Description.Value': 'smaller' });
    assert.equal(modified.status, 200, modified.text);
    const desc2 = parse((await demo.call('DescribeImageAttribute', { ImageId: ami.imageId, Attribute: 'description' })).text);
    assert.equal(desc2.DescribeImageAttributeResponse.description.value, 'smaller');
    const publicize = await demo.call('ModifyImageAttribute', { ImageId: ami.imageId, 'LaunchPermission.Add.1.Group': 'all' });
    assert.equal(publicize.status, 403, publicize.text);
    assert.equal(errorCode(publicize.text), 'UnauthorizedOperation');
    const admin = new Ec2Client(c.ec2Url, c.admin);
    const byAdmin = await admin.call('ModifyImageAttribute', {
      ImageId: ami.imageId,
      Attribute: 'launchPermission',
      OperationType: 'add',
      'UserGroup.1': 'all',
    });
    assert.equal(byAdmin.status, 200, byAdmin.text);
    const launch2 = parse((await demo.call('DescribeImageAttribute', { ImageId: ami.imageId, Attribute: 'launchPermission' })).text);
    assert.deepEqual(launch2.DescribeImageAttributeResponse.launchPermission.item, [{ group: 'all' }]);
    const userGrant = await admin.call('ModifyImageAttribute', { ImageId: ami.imageId, 'LaunchPermission.Add.1.UserId': '123' });
    assert.equal(errorCode(userGrant.text), 'UnsupportedOperation');

    assert.equal(parse((await demo.call('DeregisterImage', { ImageId: aki.imageId })).text).DeregisterImageResponse.return, 'true');
    const gone = await demo.call('DescribeImages', { 'ImageId.1': aki.imageId });
    assert.equal(errorCode(gone.text), 'InvalidAMIID.NotFound');
    const after = parse((await demo.call('DescribeImages', { 'ImageId.1': ami.imageId })).text).DescribeImagesResponse.imagesSet.item;
    assert.equal(after[0].imageId, ami.imageId, 'ids do not move when other images go');
    assert.ok(machine);
  });

  it('RegisterImage needs an ImageLocation naming an existing manifest', async () => {
    const missing = await demo.call('RegisterImage', { Name: 'x' });
    assert.equal(errorCode(missing.text), 'MissingParameter');
    const ebs = await demo.call('RegisterImage', { Name: 'x', RootDeviceName: '/dev/sda1' });
    assert.equal(errorCode(ebs.text), 'UnsupportedOperation');
    const nowhere = await demo.call('RegisterImage', { ImageLocation: 'no-bucket/x.manifest.xml' });
    assert.equal(errorCode(nowhere.text), 'InvalidManifest');
    const noKey = await demo.call('RegisterImage', { ImageLocation: 'bucket-only' });
    assert.equal(errorCode(noKey.text), 'InvalidManifest');
  });
});

function sshString(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}
