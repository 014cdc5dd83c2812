import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceBlockMapping } from '../../../src/metadata/block-devices.js';
import { extractPassword, PASSWORD_MAX_SIZE, passwordSystemMetadata } from '../../../src/metadata/password.js';
import { pythonJsonDumps } from '../../../src/metadata/python-json.js';
import { ec2IdsFor, formatEc2Id } from '../../../src/metadata/source.js';

describe('block-device-mapping', () => {
  const devices = { rootDeviceName: '/dev/vda', defaultEphemeralDevice: '/dev/vdb', defaultSwapDevice: '/dev/vdc' };
  const bdm = (
    device_name: string,
    extra: Partial<{ volume_id: string; snapshot_id: string; virtual_name: string; no_device: boolean }>,
  ) => ({
    device_name,
    volume_id: null,
    snapshot_id: null,
    virtual_name: null,
    no_device: null,
    ...extra,
  });

  it('names the root, default ephemeral and swap devices, ephemeralN rows, and volumes as ebsN sorted by device', () => {
    assert.deepEqual(
      instanceBlockMapping(devices, [
        bdm('/dev/vdf', { volume_id: 'v2' }),
        bdm('/dev/vdd', { snapshot_id: 's1' }),
        bdm('/dev/vde', { virtual_name: 'ephemeral1' }),
        bdm('/dev/vdg', { virtual_name: 'ephemeral1', no_device: true }),
        bdm('/dev/vdh', { virtual_name: 'other' }),
      ]),
      {
        ami: 'vda',
        root: '/dev/vda',
        ephemeral0: '/dev/vdb',
        swap: '/dev/vdc',
        ephemeral1: '/dev/vde',
        ebs0: '/dev/vdd',
        ebs1: '/dev/vdf',
      },
    );
  });

  it("falls back to EC2's sda layout when the driver never named the root device", () => {
    assert.deepEqual(instanceBlockMapping({ rootDeviceName: null, defaultEphemeralDevice: null, defaultSwapDevice: null }, []), {
      ami: 'sda1',
      ephemeral0: 'sda2',
      root: '/dev/sda1',
      swap: 'sda3',
    });
  });
});

describe('the stored password', () => {
  it('splits into four 255-character chunks and joins back', () => {
    const password = 'x'.repeat(300) + 'y'.repeat(600);
    const chunks = passwordSystemMetadata(password);
    assert.deepEqual(Object.keys(chunks), ['password_0', 'password_1', 'password_2', 'password_3']);
    assert.equal(chunks.password_0?.length, 255);
    assert.equal(chunks.password_3?.length, 900 - 765);
    assert.equal(extractPassword({ other: 'z', ...chunks }), password);
    assert.equal(PASSWORD_MAX_SIZE, 1020);
  });

  it('reads empty chunks, or none, as no password', () => {
    assert.equal(extractPassword(passwordSystemMetadata(null)), null);
    assert.equal(extractPassword({ instance_type_name: 'm1.tiny' }), null);
  });
});

describe('Python-style JSON', () => {
  it("uses Python's separators and escapes non-ASCII but not DEL", () => {
    assert.equal(
      pythonJsonDumps({ a: [1, 'é'], b: null, c: true, d: '\x7f"' }),
      '{"a": [1, "\\u00e9"], "b": null, "c": true, "d": "\x7f\\""}',
    );
  });
});

describe('EC2 ids', () => {
  it('formats as prefix-%08x and gives ami-00000000 to an instance without an image', async () => {
    assert.equal(formatEc2Id('i', 42), 'i-0000002a');
    const asked: string[] = [];
    const ids = await ec2IdsFor(
      {
        instanceIntId: async () => 42,
        imageIntId: async (uuid) => {
          asked.push(uuid);
          return uuid === 'k' ? 3 : 2;
        },
      },
      { uuid: 'u', imageRef: null, kernelId: 'k', ramdiskId: null },
    );
    assert.deepEqual(ids, { instanceId: 'i-0000002a', amiId: 'ami-00000000', kernelId: 'aki-00000003', ramdiskId: null });
    assert.deepEqual(asked, ['k']);
  });
});
