import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { XMLParser } from 'fast-xml-parser';
import { uploadTinyImage } from '../../../bench/boot-client.js';
import { Ec2Client, type Reply } from '../../support/aws-client.js';
import { type Ec2Cloud, startEc2Cloud } from './harness.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed XML is inspected freely
type Xml = any;

const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'item' });
const parse = (text: string): Xml => parser.parse(text);

function ok(r: Reply, action: string): Xml {
  assert.equal(r.status, 200, r.text);
  return parse(r.text)[`${action}Response`];
}

function refused(r: Reply, code: string, status = 400): void {
  assert.equal(r.status, status, r.text);
  assert.equal(parse(r.text).Response?.Errors?.Error?.Code, code, r.text);
}

describe('EC2 API: security groups and addresses', () => {
  let c: Ec2Cloud;
  let demo: Ec2Client;
  let admin: Ec2Client;

  const groups = async (params: Record<string, string> = {}): Promise<Xml[]> =>
    (ok(await demo.call('DescribeSecurityGroups', params), 'DescribeSecurityGroups').securityGroupInfo?.item ?? []) as Xml[];

  before(async () => {
    c = await startEc2Cloud();
    demo = new Ec2Client(c.ec2Url, c.demo);
    admin = new Ec2Client(c.ec2Url, c.admin);
  });
  after(async () => {
    await c.stop();
  });

  it('security groups: create, describe with rules, authorize, revoke, delete, and the refusals', async () => {
    const listed = await groups();
    assert.deepEqual(
      listed.map((g) => g.groupName),
      ['default'],
      'the default group exists on first sight',
    );
    const created = ok(
      await demo.call('CreateSecurityGroup', { GroupName: 'web', GroupDescription: 'web servers' }),
      'CreateSecurityGroup',
    );
    assert.equal(created.return, 'true');
    assert.match(created.groupId, /^sg-[0-9a-f]{8}$/);
    refused(await demo.call('CreateSecurityGroup', { GroupName: 'web', GroupDescription: 'again' }), 'InvalidGroup.Duplicate');
    refused(await demo.call('CreateSecurityGroup', { GroupName: 'bad/name', GroupDescription: 'x' }), 'InvalidParameterValue');
    refused(await demo.call('CreateSecurityGroup', { GroupName: 'x' }), 'MissingParameter');

    ok(
      await demo.call('AuthorizeSecurityGroupIngress', {
        GroupName: 'web',
        IpProtocol: 'tcp',
        FromPort: '22',
        ToPort: '22',
        CidrIp: '10.0.0.0/8',
      }),
      'AuthorizeSecurityGroupIngress',
    );
    ok(
      await demo.call('AuthorizeSecurityGroupIngress', {
        GroupId: created.groupId,
        'IpPermissions.1.IpProtocol': 'tcp',
        'IpPermissions.1.FromPort': '80',
        'IpPermissions.1.ToPort': '80',
        'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0',
        'IpPermissions.2.IpProtocol': '-1',
        'IpPermissions.2.Groups.1.GroupName': 'default',
      }),
      'AuthorizeSecurityGroupIngress',
    );
    const [web] = await groups({ 'GroupName.1': 'web' });
    assert.equal(web.groupId, created.groupId);
    assert.equal(web.groupDescription, 'web servers');
    assert.equal(web.ownerId, c.cloud.bootstrap.demo.projectId);
    const perms = (web.ipPermissions.item as Xml[]).map((p) => [
      p.ipProtocol,
      p.fromPort,
      p.toPort,
      p.ipRanges?.item?.[0]?.cidrIp ?? null,
      p.groups?.item?.[0]?.groupName ?? null,
    ]);
    assert.deepEqual(perms, [
      ['tcp', '22', '22', '10.0.0.0/8', null],
      ['tcp', '80', '80', '0.0.0.0/0', null],
      ['icmp', '-1', '-1', null, 'default'],
      ['tcp', '1', '65535', null, 'default'],
      ['udp', '1', '65535', null, 'default'],
    ]);
    const byFilter = await groups({ 'Filter.1.Name': 'ip-permission.from-port', 'Filter.1.Value.1': '22' });
    assert.deepEqual(
      byFilter.map((g) => g.groupName),
      ['web'],
    );

    refused(
      await demo.call('AuthorizeSecurityGroupIngress', {
        GroupName: 'web',
        IpProtocol: 'tcp',
        FromPort: '22',
        ToPort: '22',
        CidrIp: '10.0.0.0/8',
      }),
      'InvalidPermission.Duplicate',
    );
    refused(
      await demo.call('AuthorizeSecurityGroupIngress', {
        GroupName: 'web',
        IpProtocol: 'tcp',
        FromPort: '90',
        ToPort: '80',
        CidrIp: '0.0.0.0/0',
      }),
      'InvalidParameterValue',
    );
    refused(
      await demo.call('AuthorizeSecurityGroupIngress', { GroupName: 'web', IpProtocol: 'gre', FromPort: '1', ToPort: '2' }),
      'InvalidParameterValue',
    );
    refused(
      await demo.call('AuthorizeSecurityGroupIngress', {
        GroupName: 'web',
        IpProtocol: 'tcp',
        FromPort: '1',
        ToPort: '2',
        CidrIp: '10.0.0.300/8',
      }),
      'InvalidParameterValue',
    );
    refused(
      await demo.call('AuthorizeSecurityGroupIngress', { GroupName: 'nope', IpProtocol: 'tcp', FromPort: '1', ToPort: '2' }),
      'InvalidGroup.NotFound',
    );
    refused(await demo.call('DescribeSecurityGroups', { 'GroupName.1': 'nope' }), 'InvalidGroup.NotFound');
    refused(await demo.call('DescribeSecurityGroups', { 'GroupId.1': 'sg-0000ffff' }), 'InvalidGroup.NotFound');

    ok(
      await demo.call('RevokeSecurityGroupIngress', {
        GroupName: 'web',
        IpProtocol: 'tcp',
        FromPort: '22',
        ToPort: '22',
        CidrIp: '10.0.0.0/8',
      }),
      'RevokeSecurityGroupIngress',
    );
    refused(
      await demo.call('RevokeSecurityGroupIngress', {
        GroupName: 'web',
        IpProtocol: 'tcp',
        FromPort: '22',
        ToPort: '22',
        CidrIp: '10.0.0.0/8',
      }),
      'InvalidPermission.NotFound',
    );
    const [after] = await groups({ 'GroupId.1': created.groupId });
    assert.equal((after.ipPermissions.item as Xml[]).length, 4);

    refused(await demo.call('DeleteSecurityGroup', { GroupName: 'default' }), 'CannotDelete');
    refused(await demo.call('DeleteSecurityGroup', { GroupName: 'nope' }), 'InvalidGroup.NotFound');
    const adminGroups = ok(await admin.call('DescribeSecurityGroups'), 'DescribeSecurityGroups').securityGroupInfo.item as Xml[];
    assert.ok(!adminGroups.some((g) => g.groupName === 'web'), "another project's groups are not listed");
    const theirs = ok(await admin.call('CreateSecurityGroup', { GroupName: 'ops', GroupDescription: 'ops' }), 'CreateSecurityGroup');
    refused(await demo.call('DeleteSecurityGroup', { GroupId: theirs.groupId }), 'InvalidGroup.NotFound');
    refused(await demo.call('DescribeSecurityGroups', { 'GroupId.1': theirs.groupId }), 'InvalidGroup.NotFound');
    ok(await demo.call('DeleteSecurityGroup', { GroupId: created.groupId }), 'DeleteSecurityGroup');
    assert.deepEqual(
      (await groups()).map((g) => g.groupName),
      ['default'],
    );
  });

  it('addresses: allocate, associate to an instance, describe, disassociate, release, and the refusals', async () => {
    const bulk = await fetch(`${c.cloud.computeUrl}/v2.1/os-floating-ips-bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': await c.token('admin') },
      body: JSON.stringify({ floating_ips_bulk_create: { ip_range: '203.0.113.0/30', pool: 'nova' } }),
    });
    assert.equal(bulk.status, 200, await bulk.text());

    const imageUrl = (c.cloud.identity.service.catalog.find((s) => s.type === 'image')?.endpoints[0]?.url ?? '').replace(/\/+$/, '');
    await uploadTinyImage(imageUrl, await c.token('admin'));
    const images = ok(await demo.call('DescribeImages'), 'DescribeImages').imagesSet.item as Xml[];
    const ami = images.find((i) => i.name === 'bench-tiny').imageId as string;
    const run = ok(
      await demo.call('RunInstances', { ImageId: ami, InstanceType: 'm1.tiny', 'SecurityGroup.1': 'default' }),
      'RunInstances',
    );
    const instanceId = run.instancesSet.item[0].instanceId as string;
    const end = Date.now() + 30_000;
    for (;;) {
      const item = ok(await demo.call('DescribeInstances', { 'InstanceId.1': instanceId }), 'DescribeInstances').reservationSet.item[0]
        .instancesSet.item[0];
      if (item.instanceState.name === 'running') break;
      assert.ok(Date.now() < end, `instance still ${item.instanceState.name}`);
      await sleep(50);
    }

    const allocated = ok(await demo.call('AllocateAddress'), 'AllocateAddress');
    assert.match(allocated.publicIp, /^203\.0\.113\.\d$/);
    assert.equal(allocated.domain, 'standard');
    const ip = allocated.publicIp as string;
    let listed = ok(await demo.call('DescribeAddresses'), 'DescribeAddresses').addressesSet.item as Xml[];
    assert.deepEqual(listed, [{ publicIp: ip, domain: 'standard', instanceId: '' }]);

    ok(await demo.call('AssociateAddress', { InstanceId: instanceId, PublicIp: ip }), 'AssociateAddress');
    listed = ok(await demo.call('DescribeAddresses', { 'PublicIp.1': ip }), 'DescribeAddresses').addressesSet.item as Xml[];
    assert.equal(listed[0].instanceId, instanceId);
    const byInstance = ok(
      await demo.call('DescribeAddresses', { 'Filter.1.Name': 'instance-id', 'Filter.1.Value.1': instanceId }),
      'DescribeAddresses',
    );
    assert.equal(byInstance.addressesSet.item.length, 1);
    refused(await demo.call('ReleaseAddress', { PublicIp: ip }), 'InvalidIPAddress.InUse');

    refused(await demo.call('AssociateAddress', { InstanceId: 'i-0000ffff', PublicIp: ip }), 'InvalidInstanceID.NotFound');
    refused(await demo.call('AssociateAddress', { InstanceId: instanceId, PublicIp: '198.51.100.1' }), 'InvalidAddress.NotFound');
    refused(await demo.call('DescribeAddresses', { 'PublicIp.1': '198.51.100.1' }), 'InvalidAddress.NotFound');
    const adminIp = ok(await admin.call('AllocateAddress'), 'AllocateAddress').publicIp as string;
    refused(await demo.call('DisassociateAddress', { PublicIp: adminIp }), 'InvalidAddress.NotFound');
    refused(await demo.call('ReleaseAddress', { PublicIp: adminIp }), 'InvalidAddress.NotFound');
    ok(await admin.call('ReleaseAddress', { PublicIp: adminIp }), 'ReleaseAddress');
    refused(await demo.call('ReleaseAddress', { AllocationId: 'eipalloc-1' }), 'UnsupportedOperation');
    refused(await demo.call('ReleaseAddress'), 'MissingParameter');

    ok(await demo.call('DisassociateAddress', { PublicIp: ip }), 'DisassociateAddress');
    listed = ok(await demo.call('DescribeAddresses'), 'DescribeAddresses').addressesSet.item as Xml[];
    assert.equal(listed[0].instanceId, '');
    ok(await demo.call('ReleaseAddress', { PublicIp: ip }), 'ReleaseAddress');
    assert.equal(ok(await demo.call('DescribeAddresses'), 'DescribeAddresses').addressesSet, '');

    // The pool has two host addresses: the third allocation finds none.
    ok(await demo.call('AllocateAddress'), 'AllocateAddress');
    ok(await demo.call('AllocateAddress'), 'AllocateAddress');
    refused(await demo.call('AllocateAddress'), 'AddressLimitExceeded');
    ok(await demo.call('TerminateInstances', { 'InstanceId.1': instanceId }), 'TerminateInstances');
  });
});
