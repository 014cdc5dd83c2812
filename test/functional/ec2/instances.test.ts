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

function imageUrl(c: Ec2Cloud): string {
  const service = c.cloud.identity.service.catalog.find((s) => s.type === 'image');
  return (service?.endpoints.find((e) => e.interface === 'public')?.url ?? '').replace(/\/+$/, '');
}

function instancesOf(describe: Xml): Xml[] {
  return ((describe.reservationSet?.item ?? []) as Xml[]).flatMap((r) => r.instancesSet.item as Xml[]);
}

describe('EC2 API: instances', () => {
  let c: Ec2Cloud;
  let demo: Ec2Client;
  let admin: Ec2Client;
  let ami: string;

  /** Polls DescribeInstances until every instance is in `state` (a bound of 30 s, not a pace). */
  async function waitForState(ids: string[], state: string): Promise<Xml[]> {
    const end = Date.now() + 30_000;
    for (;;) {
      const params = Object.fromEntries(ids.map((id, i) => [`InstanceId.${i + 1}`, id]));
      const items = instancesOf(ok(await demo.call('DescribeInstances', params), 'DescribeInstances'));
      if (items.every((i) => i.instanceState.name === state)) return items;
      if (Date.now() > end) throw new Error(`instances still ${items.map((i) => i.instanceState.name).join(',')}`);
      await sleep(50);
    }
  }

  before(async () => {
    c = await startEc2Cloud();
    demo = new Ec2Client(c.ec2Url, c.demo);
    admin = new Ec2Client(c.ec2Url, c.admin);
    const uuid = await uploadTinyImage(imageUrl(c), await c.token('admin'));
    const images = ok(await demo.call('DescribeImages'), 'DescribeImages').imagesSet.item as Xml[];
    ami = images.find((i) => i.name === 'bench-tiny').imageId;
    assert.ok(uuid && ami);
    ok(await demo.call('CreateKeyPair', { KeyName: 'k' }), 'CreateKeyPair');
  });
  after(async () => {
    await c.stop();
  });

  it('RunInstances starts MaxCount instances in one reservation, which DescribeInstances shows running', async () => {
    const userData = Buffer.from('#!/bin/sh\necho hi\n').toString('base64');
    const run = ok(
      await demo.call('RunInstances', {
        ImageId: ami,
        MinCount: '2',
        MaxCount: '2',
        InstanceType: 'm1.tiny',
        KeyName: 'k',
        UserData: userData,
        'Placement.AvailabilityZone': 'nova',
        'SecurityGroup.1': 'default',
      }),
      'RunInstances',
    );
    assert.match(run.reservationId, /^r-[0-9a-z]{8}$/);
    assert.equal(run.ownerId, c.cloud.bootstrap.demo.projectId);
    const started = run.instancesSet.item as Xml[];
    assert.equal(started.length, 2);
    for (const [n, i] of started.entries()) {
      assert.match(i.instanceId, /^i-[0-9a-f]{8}$/);
      assert.equal(i.imageId, ami);
      assert.deepEqual(i.instanceState, { code: '0', name: 'pending' });
      assert.equal(i.instanceType, 'm1.tiny');
      assert.equal(i.keyName, 'k');
      assert.equal(i.amiLaunchIndex, String(n));
      assert.deepEqual(i.groupSet.item, [{ groupId: 'default', groupName: 'default' }]);
    }
    const ids = started.map((i) => i.instanceId as string);
    const running = await waitForState(ids, 'running');
    for (const i of running) {
      assert.equal(i.instanceState.code, '16');
      assert.equal(i.placement.availabilityZone, 'nova');
      assert.match(i.privateIpAddress, /^\d+\.\d+\.\d+\.\d+$/);
      assert.equal(i.rootDeviceType, 'instance-store');
      assert.equal(i.rootDeviceName, '/dev/sda1');
    }

    const all = ok(await demo.call('DescribeInstances'), 'DescribeInstances');
    assert.equal(all.reservationSet.item.length, 1, 'one reservation holds both instances');
    assert.equal(all.reservationSet.item[0].reservationId, run.reservationId);
    const filtered = ok(
      await demo.call('DescribeInstances', {
        'Filter.1.Name': 'instance-state-name',
        'Filter.1.Value.1': 'running',
        'InstanceId.1': ids[0] as string,
      }),
      'DescribeInstances',
    );
    assert.deepEqual(
      instancesOf(filtered).map((i) => i.instanceId),
      [ids[0]],
    );
    const none = ok(
      await demo.call('DescribeInstances', { 'Filter.1.Name': 'instance-state-name', 'Filter.1.Value.1': 'stopped' }),
      'DescribeInstances',
    );
    assert.equal(none.reservationSet, '');
    refused(await demo.call('DescribeInstances', { 'Filter.1.Name': 'colour', 'Filter.1.Value.1': 'red' }), 'InvalidParameterValue');

    const attr = ok(
      await demo.call('DescribeInstanceAttribute', { InstanceId: ids[0] as string, Attribute: 'userData' }),
      'DescribeInstanceAttribute',
    );
    assert.equal(attr.userData.value, userData);
    assert.equal(attr.instanceId, ids[0]);
    const type = ok(
      await demo.call('DescribeInstanceAttribute', { InstanceId: ids[0] as string, Attribute: 'instanceType' }),
      'DescribeInstanceAttribute',
    );
    assert.equal(type.instanceType.value, 'm1.tiny');
    refused(await demo.call('DescribeInstanceAttribute', { InstanceId: ids[0] as string, Attribute: 'colour' }), 'InvalidParameterValue');
    refused(
      await demo.call('DescribeInstanceAttribute', { InstanceId: ids[0] as string, Attribute: 'sourceDestCheck' }),
      'UnsupportedOperation',
    );

    const password = ok(await demo.call('GetPasswordData', { InstanceId: ids[0] as string }), 'GetPasswordData');
    assert.equal(password.instanceId, ids[0]);
    assert.equal(password.passwordData, '');

    // Tags are instance metadata.
    ok(
      await demo.call('CreateTags', {
        'ResourceId.1': ids[0] as string,
        'Tag.1.Key': 'Name',
        'Tag.1.Value': 'web',
        'Tag.2.Key': 'tier',
        'Tag.2.Value': 'front',
      }),
      'CreateTags',
    );
    ok(await demo.call('CreateTags', { 'ResourceId.1': ids[1] as string, 'Tag.1.Key': 'tier', 'Tag.1.Value': 'back' }), 'CreateTags');
    const tags = ok(await demo.call('DescribeTags'), 'DescribeTags').tagSet.item as Xml[];
    assert.deepEqual(
      tags.map((t) => [t.resourceId, t.resourceType, t.key, t.value]),
      [
        [ids[0], 'instance', 'Name', 'web'],
        [ids[0], 'instance', 'tier', 'front'],
        [ids[1], 'instance', 'tier', 'back'],
      ],
    );
    const byKey = ok(await demo.call('DescribeTags', { 'Filter.1.Name': 'value', 'Filter.1.Value.1': 'ba*' }), 'DescribeTags').tagSet
      .item as Xml[];
    assert.deepEqual(
      byKey.map((t) => t.resourceId),
      [ids[1]],
    );
    const tagged = ok(
      await demo.call('DescribeInstances', { 'Filter.1.Name': 'tag:tier', 'Filter.1.Value.1': 'front' }),
      'DescribeInstances',
    );
    assert.deepEqual(
      instancesOf(tagged).map((i) => i.instanceId),
      [ids[0]],
    );
    assert.deepEqual(instancesOf(tagged)[0].tagSet.item, [
      { key: 'Name', value: 'web' },
      { key: 'tier', value: 'front' },
    ]);
    ok(await demo.call('DeleteTags', { 'ResourceId.1': ids[0] as string, 'Tag.1.Key': 'tier', 'Tag.1.Value': 'not-this' }), 'DeleteTags');
    ok(await demo.call('DeleteTags', { 'ResourceId.1': ids[0] as string, 'Tag.1.Key': 'Name' }), 'DeleteTags');
    const left = ok(
      await demo.call('DescribeTags', { 'Filter.1.Name': 'resource-id', 'Filter.1.Value.1': ids[0] as string }),
      'DescribeTags',
    );
    assert.deepEqual(
      (left.tagSet.item as Xml[]).map((t) => t.key),
      ['tier'],
    );
    refused(await demo.call('CreateTags', { 'ResourceId.1': ids[0] as string }), 'MissingParameter');
    refused(await demo.call('CreateTags', { 'ResourceId.1': ami, 'Tag.1.Key': 'a', 'Tag.1.Value': 'b' }), 'InvalidParameterValue');
    refused(await demo.call('CreateTags', { 'ResourceId.1': 'i-0000ffff', 'Tag.1.Key': 'a' }), 'InvalidInstanceID.NotFound');

    // Protected from termination until the attribute is cleared.
    ok(
      await demo.call('ModifyInstanceAttribute', { InstanceId: ids[0] as string, 'DisableApiTermination.Value': 'true' }),
      'ModifyInstanceAttribute',
    );
    const protectedAttr = ok(
      await demo.call('DescribeInstanceAttribute', { InstanceId: ids[0] as string, Attribute: 'disableApiTermination' }),
      'DescribeInstanceAttribute',
    );
    assert.equal(protectedAttr.disableApiTermination.value, 'true');
    refused(await demo.call('TerminateInstances', { 'InstanceId.1': ids[0] as string }), 'OperationNotPermitted');
    ok(
      await demo.call('ModifyInstanceAttribute', { InstanceId: ids[0] as string, Attribute: 'disableApiTermination', Value: 'false' }),
      'ModifyInstanceAttribute',
    );
    refused(
      await demo.call('ModifyInstanceAttribute', { InstanceId: ids[0] as string, 'InstanceType.Value': 'm1.large' }),
      'UnsupportedOperation',
    );
    refused(
      await demo.call('ModifyInstanceAttribute', { InstanceId: ids[0] as string, 'InstanceInitiatedShutdownBehavior.Value': 'explode' }),
      'InvalidParameterValue',
    );

    const terminated = ok(
      await demo.call('TerminateInstances', { 'InstanceId.1': ids[0] as string, 'InstanceId.2': ids[1] as string }),
      'TerminateInstances',
    );
    const states = terminated.instancesSet.item as Xml[];
    assert.deepEqual(
      states.map((s) => [s.instanceId, s.previousState.name]),
      [
        [ids[0], 'running'],
        [ids[1], 'running'],
      ],
    );
    for (const s of states) assert.ok(['shutting-down', 'terminated'].includes(s.currentState.name), s.currentState.name);
    const end = Date.now() + 30_000;
    while (instancesOf(ok(await demo.call('DescribeInstances'), 'DescribeInstances')).length > 0) {
      assert.ok(Date.now() < end, 'terminated instances leave the listing');
      await sleep(50);
    }
    const again = ok(await demo.call('TerminateInstances', { 'InstanceId.1': ids[0] as string }), 'TerminateInstances');
    assert.deepEqual(again.instancesSet.item[0].currentState, { code: '48', name: 'terminated' });
    refused(await demo.call('DescribeInstances', { 'InstanceId.1': ids[0] as string }), 'InvalidInstanceID.NotFound');
  });

  it('RunInstances refuses what it cannot start, with AWS error codes, and starts nothing', async () => {
    const base = { ImageId: ami, MinCount: '1', MaxCount: '1', InstanceType: 'm1.tiny' };
    refused(await demo.call('RunInstances', { MinCount: '1', MaxCount: '1' }), 'MissingParameter');
    refused(await demo.call('RunInstances', { ...base, ImageId: 'ami-0000ffff' }), 'InvalidAMIID.NotFound');
    refused(await demo.call('RunInstances', { ...base, InstanceType: 'm9.huge' }), 'InvalidParameterValue');
    refused(await demo.call('RunInstances', { ...base, MinCount: '3', MaxCount: '2' }), 'InvalidParameterValue');
    refused(await demo.call('RunInstances', { ...base, MinCount: 'two' }), 'InvalidParameterValue');
    refused(await demo.call('RunInstances', { ...base, KeyName: 'nope' }), 'InvalidKeyPair.NotFound');
    refused(await demo.call('RunInstances', { ...base, 'SecurityGroup.1': 'nope' }), 'InvalidGroup.NotFound');
    refused(await demo.call('RunInstances', { ...base, UserData: '***' }), 'InvalidParameterValue');
    refused(await demo.call('RunInstances', { ...base, 'Placement.AvailabilityZone': 'atlantis' }), 'InvalidParameterValue');
    refused(
      await demo.call('RunInstances', {
        ...base,
        'BlockDeviceMapping.1.DeviceName': '/dev/sdb',
        'BlockDeviceMapping.1.Ebs.VolumeSize': '1',
      }),
      'UnsupportedOperation',
    );
    refused(await demo.call('RunInstances', { ...base, MinCount: '500', MaxCount: '500' }), 'ResourceLimitExceeded');
    assert.equal(ok(await demo.call('DescribeInstances'), 'DescribeInstances').reservationSet, '');
  });

  it('ids that do not parse, or name what the caller cannot see, are refused; CreateImage needs a volume-backed instance', async () => {
    refused(await demo.call('DescribeInstances', { 'InstanceId.1': 'web-server' }), 'InvalidInstanceID.Malformed');
    refused(await demo.call('DescribeInstances', { 'InstanceId.1': 'i-0000ffff' }), 'InvalidInstanceID.NotFound');
    refused(await demo.call('TerminateInstances'), 'MissingParameter');
    const adminRun = ok(await admin.call('RunInstances', { ImageId: ami, InstanceType: 'm1.tiny' }), 'RunInstances');
    const theirs = adminRun.instancesSet.item[0].instanceId as string;
    refused(await demo.call('DescribeInstances', { 'InstanceId.1': theirs }), 'InvalidInstanceID.NotFound');
    refused(await demo.call('TerminateInstances', { 'InstanceId.1': theirs }), 'InvalidInstanceID.NotFound');
    refused(await demo.call('GetPasswordData', { InstanceId: theirs }), 'InvalidInstanceID.NotFound');
    refused(await admin.call('CreateImage', { InstanceId: theirs, Name: 'snap' }), 'InvalidParameterValue');
    refused(await admin.call('CreateImage', { InstanceId: theirs }), 'MissingParameter');
    refused(await demo.call('CreateImage', { InstanceId: theirs, Name: 'snap' }), 'InvalidInstanceID.NotFound');
    const seen = instancesOf(ok(await admin.call('DescribeInstances'), 'DescribeInstances'));
    assert.equal(seen.find((i) => i.instanceId === theirs)?.instanceId, theirs);
    ok(await admin.call('TerminateInstances', { 'InstanceId.1': theirs }), 'TerminateInstances');
  });
});
