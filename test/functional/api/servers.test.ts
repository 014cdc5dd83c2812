import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { blockDeviceMappingCreate } from '../../../src/db/api/block-device-mappings.js';
import { instanceInfoCacheUpdate, instanceUpdate } from '../../../src/db/api/instances.js';
import { keyPairCreate } from '../../../src/db/api/keypairs.js';
import { quotaCreateOrUpdate } from '../../../src/db/api/quotas.js';
import { serviceCreate } from '../../../src/db/api/services.js';
import { makeFixedIp, makeNetwork, makeSubnet, makeVif, serializeNetworkInfo } from '../../../src/virt/network-model.js';
import { type Harness, IMAGE_ACTIVE, IMAGE_BIG_RAM, IMAGE_HUGE, IMAGE_QUEUED, NETWORK_OK, startHarness } from './servers-harness.js';

const ALICE = 'alice:proj-a';
const BOB = 'bob:proj-b';
const ADMIN = 'admin:admin-proj';

const DETAIL_KEYS = [
  'OS-DCF:diskConfig',
  'OS-EXT-AZ:availability_zone',
  'OS-EXT-STS:power_state',
  'OS-EXT-STS:task_state',
  'OS-EXT-STS:vm_state',
  'OS-SRV-USG:launched_at',
  'OS-SRV-USG:terminated_at',
  'accessIPv4',
  'accessIPv6',
  'addresses',
  'config_drive',
  'created',
  'flavor',
  'hostId',
  'id',
  'image',
  'key_name',
  'links',
  'metadata',
  'name',
  'os-extended-volumes:volumes_attached',
  'progress',
  'security_groups',
  'status',
  'tenant_id',
  'updated',
  'user_id',
];

let h: Harness;

before(async () => {
  h = await startHarness();
  await keyPairCreate(h.db, null, { name: 'k1', user_id: 'alice', fingerprint: 'aa:bb', public_key: 'ssh-rsa AAAA alice' });
});

after(async () => {
  await h.close();
});

function serverBody(extra: Record<string, unknown> = {}) {
  return { server: { name: 'vm one', imageRef: IMAGE_ACTIVE, flavorRef: '1', ...extra } };
}

async function create(token: string, extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return h.call('POST', '/v2.1/servers', token, { ...serverBody(extra), ...top });
}

async function countRows(table: string): Promise<number> {
  const row = await (h.db.kysely as any)
    .selectFrom(table)
    .select((eb: any) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /servers', () => {
  test('creates one server: 202, closed response keys, Location, rows and a run_instance cast', async () => {
    const before = h.scheduler.calls.length;
    const res = await create(
      ALICE,
      { key_name: 'k1', metadata: { a: 'b' }, 'OS-DCF:diskConfig': 'AUTO' },
      { 'os:scheduler_hints': { same_host: '6a0b3c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d' } },
    );
    assert.equal(res.status, 202);
    const server = res.json.server;
    assert.deepEqual(Object.keys(server).sort(), ['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
    assert.equal(server['OS-DCF:diskConfig'], 'AUTO');
    assert.deepEqual(server.security_groups, [{ name: 'default' }]);
    assert.match(server.adminPass, /^\S{12}$/);
    assert.equal(res.headers.get('location'), `${h.base}/v2.1/servers/${server.id}`);

    const [cast] = (await h.waitFor(h.scheduler, 'run_instance', before + 1)).slice(before);
    const args = cast?.args as any;
    assert.deepEqual(args.request_spec.instance_uuids, [server.id]);
    assert.equal(args.request_spec.num_instances, 1);
    assert.equal(args.request_spec.instance_type.flavorid, '1');
    assert.equal(args.request_spec.image.id, IMAGE_ACTIVE);
    assert.deepEqual(args.request_spec.security_group, ['default']);
    assert.equal(args.request_spec.instance_properties.uuid, server.id);
    assert.deepEqual(args.filter_properties.scheduler_hints, { same_host: '6a0b3c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d' });
    assert.equal(args.admin_password, server.adminPass);
    assert.equal(args.is_first_time, true);
    assert.equal(cast?.ctx.projectId, 'proj-a');

    const show = await h.call('GET', `/v2.1/servers/${server.id}`, ALICE);
    assert.equal(show.status, 200);
    const s = show.json.server;
    assert.deepEqual(Object.keys(s).sort(), DETAIL_KEYS);
    assert.equal(s.status, 'BUILD');
    assert.equal(s['OS-EXT-STS:vm_state'], 'building');
    assert.equal(s['OS-EXT-STS:task_state'], 'scheduling');
    assert.equal(s['OS-EXT-STS:power_state'], 0);
    assert.equal(s.key_name, 'k1');
    assert.deepEqual(s.metadata, { a: 'b' });
    assert.equal(s.hostId, '');
    assert.equal(s.image.id, IMAGE_ACTIVE);
    assert.equal(s.flavor.id, '1');
    assert.equal(s.tenant_id, 'proj-a');
    assert.equal(s.user_id, 'alice');

    const row = await h.db.kysely.selectFrom('instances').selectAll().where('uuid', '=', server.id).executeTakeFirstOrThrow();
    assert.match(row.reservation_id ?? '', /^r-[0-9a-z]{8}$/);
    assert.equal(row.hostname, 'vm-one');
    assert.equal(row.key_data, 'ssh-rsa AAAA alice');
    assert.equal(row.os_type, 'linux');
    const sysmeta = await h.db.kysely
      .selectFrom('instance_system_metadata')
      .select(['key', 'value'])
      .where('instance_uuid', '=', server.id)
      .execute();
    const keys = Object.fromEntries(sysmeta.map((r) => [r.key, r.value]));
    assert.equal(keys.instance_type_flavorid, '1');
    assert.equal(keys.instance_type_memory_mb, '512');
    assert.equal(keys.image_os_type, 'linux');
    const action = await h.db.kysely
      .selectFrom('instance_actions')
      .selectAll()
      .where('instance_uuid', '=', server.id)
      .executeTakeFirstOrThrow();
    assert.equal(action.action, 'create');
    assert.match(action.request_id ?? '', /^req-/);
    assert.ok(await h.db.kysely.selectFrom('instance_id_mappings').select('id').where('uuid', '=', server.id).executeTakeFirst());
    assert.ok(await h.db.kysely.selectFrom('instance_info_caches').select('id').where('instance_uuid', '=', server.id).executeTakeFirst());
  });

  test('min_count/max_count builds several servers sharing one reservation id', async () => {
    const res = await create('carol:proj-c', { min_count: 2, max_count: 3, return_reservation_id: true, name: 'multi' });
    assert.equal(res.status, 202);
    assert.match(res.json.reservation_id, /^r-[0-9a-z]{8}$/);
    const list = await h.call('GET', `/v2.1/servers/detail?reservation_id=${res.json.reservation_id}`, 'carol:proj-c');
    assert.equal(list.json.servers.length, 3);
    for (const s of list.json.servers) assert.match(s.name, /^multi-[0-9a-f-]{36}$/);
  });

  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown flavor', { flavorRef: '999' }, /Invalid flavorRef provided/],
    ['an unknown image', { imageRef: '99999999-9999-4999-8999-999999999999' }, /Can not find requested image/],
    ['an image that is not active', { imageRef: IMAGE_QUEUED }, /is not active/],
    ['an image needing more memory than the flavor has', { imageRef: IMAGE_BIG_RAM }, /memory is too small/],
    ['an image bigger than the flavor disk', { imageRef: IMAGE_HUGE, flavorRef: '2' }, /disk is too small/],
    ['an unknown key inside server', { bogus: 1 }, /Additional properties are not allowed \('bogus' was unexpected\)/],
    ['an unknown key pair', { key_name: 'nope' }, /Invalid key_name provided/],
    ['an unknown security group', { security_groups: [{ name: 'nope' }] }, /Security group nope not found/],
    ['a network uuid that is not a uuid', { networks: [{ uuid: 'not-a-uuid' }] }, /network uuid is not in proper format/],
    ['an unknown network', { networks: [{ uuid: '99999999-9999-4999-8999-999999999999' }] }, /could not be found/],
    ['a duplicated network', { networks: [{ uuid: NETWORK_OK }, { uuid: NETWORK_OK }] }, /is duplicated/],
    ['a bad fixed_ip', { networks: [{ uuid: NETWORK_OK, fixed_ip: '10.0.0.300' }] }, /Invalid fixed IP address/],
    ['personality that is not base64', { personality: [{ path: '/etc/x', contents: '!!!' }] }, /cannot be decoded/],
    ['personality without contents', { personality: [{ path: '/etc/x' }] }, /'contents' is a required property/],
    ['min_count above max_count', { min_count: 3, max_count: 2 }, /min_count must be <= max_count/],
    ['a name with a leading space', { name: ' x' }, /^An invalid 'name' value was provided/],
    ['a bad accessIPv4', { accessIPv4: '1.2.3' }, /is not a 'ipv4'/],
    ['a bad diskConfig', { 'OS-DCF:diskConfig': 'SOMETIMES' }, /is not one of/],
  ];
  for (const [what, extra, message] of invalid) {
    test(`rejects ${what} with 400 and writes nothing`, async () => {
      const before = await countRows('instances');
      const res = await create(ALICE, extra);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.match(res.json.badRequest.message, message);
      assert.equal(await countRows('instances'), before);
    });
  }

  test('rejects a missing name and an unknown top-level key', async () => {
    const noName = await h.call('POST', '/v2.1/servers', ALICE, { server: { imageRef: IMAGE_ACTIVE, flavorRef: '1' } });
    assert.equal(noName.status, 400);
    assert.match(noName.json.badRequest.message, /'name' is a required property/);
    const extraTop = await h.call('POST', '/v2.1/servers', ALICE, { ...serverBody(), hints: {} });
    assert.equal(extraTop.status, 400);
  });

  test("over the instances quota answers 403 with Nova's message and leaves no rows", async () => {
    await quotaCreateOrUpdate(h.db, null, 'proj-q', 'instances', 2);
    const first = await create('quser:proj-q', { min_count: 2 });
    assert.equal(first.status, 202);
    const tables = [
      'instances',
      'instance_system_metadata',
      'instance_info_caches',
      'instance_id_mappings',
      'instance_actions',
      'security_group_instance_association',
    ];
    const counts = await Promise.all(tables.map(countRows));
    const over = await create('quser:proj-q');
    assert.equal(over.status, 403);
    assert.equal(over.json.forbidden.message, 'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances');
    assert.deepEqual(await Promise.all(tables.map(countRows)), counts);
  });

  test('a create that asks for more than fits builds as many as the quota allows when min_count fits', async () => {
    await quotaCreateOrUpdate(h.db, null, 'proj-r', 'instances', 2);
    const res = await create('ruser:proj-r', { min_count: 1, max_count: 5, return_reservation_id: true });
    assert.equal(res.status, 202);
    const list = await h.call('GET', `/v2.1/servers?reservation_id=${res.json.reservation_id}`, 'ruser:proj-r');
    assert.equal(list.json.servers.length, 2);
  });

  test('too many metadata items is 403', async () => {
    await quotaCreateOrUpdate(h.db, null, 'proj-m', 'metadata_items', 1);
    const res = await create('muser:proj-m', { metadata: { a: '1', b: '2' } });
    assert.equal(res.status, 403);
    assert.match(res.json.forbidden.message, /Maximum number of metadata items exceeds 1/);
  });

  test('shows a server booted from a volume with image "" and lists its volumes', async () => {
    // Booting from a volume needs a volume service, which nova-ts lacks; the rows stand in for one.
    const volume = '44444444-5555-4666-8777-888888888888';
    const res = await create(ALICE, { name: 'bfv' });
    assert.equal(res.status, 202, JSON.stringify(res.json));
    const uuid = res.json.server.id as string;
    await instanceUpdate(h.db, adminContext(), uuid, { image_ref: '' });
    await blockDeviceMappingCreate(h.db, adminContext(), uuid, { device_name: 'vda', volume_id: volume, delete_on_termination: true });
    const show = await h.call('GET', `/v2.1/servers/${uuid}`, ALICE);
    assert.equal(show.json.server.image, '');
    assert.deepEqual(show.json.server['os-extended-volumes:volumes_attached'], [{ id: volume }]);
  });
});

describe('GET /servers', () => {
  let ids: string[] = [];
  before(async () => {
    ids = [];
    for (const name of ['alpha', 'beta', 'gamma']) {
      const res = await create('dave:proj-d', { name });
      ids.push(res.json.server.id);
    }
  });

  test('lists id, name and links only, newest first', async () => {
    const res = await h.call('GET', '/v2.1/servers', 'dave:proj-d');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.servers.map((s: any) => s.name),
      ['gamma', 'beta', 'alpha'],
    );
    for (const s of res.json.servers) assert.deepEqual(Object.keys(s).sort(), ['id', 'links', 'name']);
  });

  test('filters by name as a regular expression, status, image and flavor', async () => {
    const byName = await h.call('GET', '/v2.1/servers?name=^al', 'dave:proj-d');
    assert.deepEqual(
      byName.json.servers.map((s: any) => s.name),
      ['alpha'],
    );
    const active = await h.call('GET', '/v2.1/servers?status=ACTIVE', 'dave:proj-d');
    assert.deepEqual(active.json.servers, []);
    const build = await h.call('GET', '/v2.1/servers?status=build', 'dave:proj-d');
    assert.equal(build.json.servers.length, 3);
    const unknownStatus = await h.call('GET', '/v2.1/servers?status=NOPE', 'dave:proj-d');
    assert.deepEqual(unknownStatus.json.servers, []);
    const byImage = await h.call('GET', `/v2.1/servers?image=${IMAGE_ACTIVE}`, 'dave:proj-d');
    assert.equal(byImage.json.servers.length, 3);
    const byFlavor = await h.call('GET', '/v2.1/servers?flavor=2', 'dave:proj-d');
    assert.deepEqual(byFlavor.json.servers, []);
    const unknownFlavor = await h.call('GET', '/v2.1/servers?flavor=does-not-exist', 'dave:proj-d');
    assert.equal(unknownFlavor.status, 200);
    assert.deepEqual(unknownFlavor.json.servers, []);
  });

  test('filters by changes-since and rejects a bad one', async () => {
    const future = await h.call('GET', '/v2.1/servers?changes-since=2999-01-01T00:00:00Z', 'dave:proj-d');
    assert.deepEqual(future.json.servers, []);
    const past = await h.call('GET', '/v2.1/servers?changes-since=2000-01-01T00:00:00Z', 'dave:proj-d');
    assert.equal(past.json.servers.length, 3);
    const bad = await h.call('GET', '/v2.1/servers?changes-since=yesterday', 'dave:proj-d');
    assert.equal(bad.status, 400);
  });

  test('pages with limit and marker and links the next page', async () => {
    const page1 = await h.call('GET', '/v2.1/servers/detail?limit=2', 'dave:proj-d');
    assert.equal(page1.json.servers.length, 2);
    const next = page1.json.servers_links[0];
    assert.equal(next.rel, 'next');
    assert.ok(next.href.includes(`/v2.1/servers/detail?limit=2&marker=${page1.json.servers[1].id}`));
    const page2 = await h.call('GET', `/v2.1/servers/detail?limit=2&marker=${page1.json.servers[1].id}`, 'dave:proj-d');
    assert.deepEqual(
      page2.json.servers.map((s: any) => s.name),
      ['alpha'],
    );
    assert.equal(page2.json.servers_links, undefined);
    const badMarker = await h.call('GET', '/v2.1/servers?marker=00000000-0000-4000-8000-000000000000', 'dave:proj-d');
    assert.equal(badMarker.status, 400);
    assert.match(badMarker.json.badRequest.message, /marker \[00000000-0000-4000-8000-000000000000\] not found/);
  });

  test('sorts by sort_key/sort_dir and rejects an unknown sort key', async () => {
    const asc = await h.call('GET', '/v2.1/servers?sort_key=display_name&sort_dir=asc', 'dave:proj-d');
    assert.deepEqual(
      asc.json.servers.map((s: any) => s.name),
      ['alpha', 'beta', 'gamma'],
    );
    const bad = await h.call('GET', '/v2.1/servers?sort_key=bogus', 'dave:proj-d');
    assert.equal(bad.status, 400);
  });

  test('filters by ip as a regular expression over cached addresses', async () => {
    const vif = makeVif({
      id: 'vif-1',
      address: 'fa:16:3e:00:00:01',
      network: makeNetwork({
        id: NETWORK_OK,
        label: 'private',
        subnets: [makeSubnet({ cidr: '10.0.0.0/24', ips: [makeFixedIp('10.0.0.5', ['172.24.4.9'])] })],
      }),
    });
    await instanceInfoCacheUpdate(h.db, null, ids[1] as string, { network_info: serializeNetworkInfo([vif]) });
    const res = await h.call('GET', '/v2.1/servers?ip=10\\.0\\.0\\.5', 'dave:proj-d');
    assert.deepEqual(
      res.json.servers.map((s: any) => s.name),
      ['beta'],
    );
    const none = await h.call('GET', '/v2.1/servers?ip=^10\\.9\\.', 'dave:proj-d');
    assert.deepEqual(none.json.servers, []);

    await instanceUpdate(h.db, null, ids[1] as string, { vm_state: 'active', task_state: null });
    const show = await h.call('GET', `/v2.1/servers/${ids[1]}`, 'dave:proj-d');
    assert.deepEqual(show.json.server.addresses, {
      private: [
        { version: 4, addr: '10.0.0.5', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01' },
        { version: 4, addr: '172.24.4.9', 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01' },
      ],
    });
    const ips = await h.call('GET', `/v2.1/servers/${ids[1]}/ips`, 'dave:proj-d');
    assert.deepEqual(ips.json, {
      addresses: {
        private: [
          { version: 4, addr: '10.0.0.5' },
          { version: 4, addr: '172.24.4.9' },
        ],
      },
    });
    const byLabel = await h.call('GET', `/v2.1/servers/${ids[1]}/ips/private`, 'dave:proj-d');
    assert.deepEqual(byLabel.json, {
      private: [
        { version: 4, addr: '10.0.0.5' },
        { version: 4, addr: '172.24.4.9' },
      ],
    });
    const otherLabel = await h.call('GET', `/v2.1/servers/${ids[1]}/ips/public`, 'dave:proj-d');
    assert.equal(otherLabel.status, 404);
  });

  test('hides addresses of a building server from its owner', async () => {
    await instanceInfoCacheUpdate(h.db, null, ids[2] as string, {
      network_info: (
        await h.db.kysely
          .selectFrom('instance_info_caches')
          .select('network_info')
          .where('instance_uuid', '=', ids[1] as string)
          .executeTakeFirstOrThrow()
      ).network_info,
    });
    const user = await h.call('GET', `/v2.1/servers/${ids[2]}`, 'dave:proj-d');
    assert.deepEqual(user.json.server.addresses, {});
    const admin = await h.call('GET', `/v2.1/servers/${ids[2]}`, ADMIN);
    assert.ok(admin.json.server.addresses.private);
  });

  test("another project's server is 404 and not listed", async () => {
    const show = await h.call('GET', `/v2.1/servers/${ids[0]}`, BOB);
    assert.equal(show.status, 404);
    const list = await h.call('GET', '/v2.1/servers', BOB);
    assert.ok(!list.json.servers.some((s: any) => ids.includes(s.id)));
    const del = await h.call('DELETE', `/v2.1/servers/${ids[0]}`, BOB);
    assert.equal(del.status, 404);
  });

  test('admins list every project with all_tenants, one with tenant_id, and see server attributes', async () => {
    const own = await h.call('GET', '/v2.1/servers', ADMIN);
    assert.ok(!own.json.servers.some((s: any) => ids.includes(s.id)));
    const all = await h.call('GET', '/v2.1/servers?all_tenants=1', ADMIN);
    assert.ok(ids.every((id) => all.json.servers.some((s: any) => s.id === id)));
    const one = await h.call('GET', '/v2.1/servers/detail?all_tenants=true&tenant_id=proj-d', ADMIN);
    assert.equal(one.json.servers.length, 3);
    assert.ok(one.json.servers.every((s: any) => s.tenant_id === 'proj-d'));
    assert.match(one.json.servers[0]['OS-EXT-SRV-ATTR:instance_name'], /^instance-[0-9a-f]{8}$/);
    assert.ok('OS-EXT-SRV-ATTR:host' in one.json.servers[0]);
    const badFlag = await h.call('GET', '/v2.1/servers?all_tenants=maybe', ADMIN);
    assert.equal(badFlag.status, 400);
    const userDetail = await h.call('GET', '/v2.1/servers/detail', 'dave:proj-d');
    assert.ok(!('OS-EXT-SRV-ATTR:host' in userDetail.json.servers[0]));
  });

  test('non-admins asking for deleted servers get 403', async () => {
    const res = await h.call('GET', '/v2.1/servers?status=DELETED', 'dave:proj-d');
    assert.equal(res.status, 403);
  });
});

describe('PUT /servers/{id}', () => {
  test('renames and sets access IPs, answering the reduced view', async () => {
    const created = await create(ALICE, { name: 'old' });
    const id = created.json.server.id;
    const res = await h.call('PUT', `/v2.1/servers/${id}`, ALICE, {
      server: { name: 'new', accessIPv4: '192.0.2.1', accessIPv6: '2001:db8::1' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.server.name, 'new');
    assert.equal(res.json.server.accessIPv4, '192.0.2.1');
    assert.equal(res.json.server.accessIPv6, '2001:db8::1');
    assert.ok(!('OS-EXT-STS:vm_state' in res.json.server));
    assert.ok(!('key_name' in res.json.server));
    const bad = await h.call('PUT', `/v2.1/servers/${id}`, ALICE, { server: { hostId: 'x' } });
    assert.equal(bad.status, 400);
  });
});

describe('DELETE /servers/{id}', () => {
  test('a server that never got a host is deleted at once', async () => {
    const id = (await create(ALICE, { name: 'doomed' })).json.server.id;
    const res = await h.call('DELETE', `/v2.1/servers/${id}`, ALICE);
    assert.equal(res.status, 204);
    assert.equal((await h.call('GET', `/v2.1/servers/${id}`, ALICE)).status, 404);
    const row = await h.db.kysely.selectFrom('instances').selectAll().where('uuid', '=', id).executeTakeFirstOrThrow();
    assert.notEqual(row.deleted, 0);
    assert.equal(row.vm_state, 'deleted');
    assert.equal(row.task_state, null);
    const actions = await h.db.kysely.selectFrom('instance_actions').select('action').where('instance_uuid', '=', id).execute();
    assert.deepEqual(actions.map((a) => a.action).sort(), ['create', 'delete']);
    const deleted = await h.call('GET', `/v2.1/servers/detail?all_tenants=1&deleted=true&uuid=${id}`, ADMIN);
    assert.equal(deleted.json.servers[0]?.status, 'DELETED');
  });

  test('a server on a live compute host goes to deleting and terminate_instance is cast to that host', async () => {
    await serviceCreate(h.db, adminContext(), { host: 'host1', binary: 'nova-compute', topic: 'compute', report_count: 1 });
    const id = (await create(ALICE, { name: 'hosted' })).json.server.id;
    await instanceUpdate(h.db, null, id, { host: 'host1', node: 'node1', vm_state: 'active', task_state: null, power_state: 1 });
    const before = h.compute.calls.filter((c) => c.method === 'terminate_instance').length;
    const res = await h.call('DELETE', `/v2.1/servers/${id}`, ALICE);
    assert.equal(res.status, 204);
    const casts = await h.waitFor(h.compute, 'terminate_instance', before + 1);
    const cast = casts[casts.length - 1] as any;
    assert.equal(cast.args.instance.uuid, id);
    assert.equal(cast.args.instance.task_state, 'deleting');
    assert.deepEqual(cast.args.bdms, []);
    const show = await h.call('GET', `/v2.1/servers/${id}`, ALICE);
    assert.equal(show.json.server['OS-EXT-STS:task_state'], 'deleting');
    assert.equal(show.json.server.hostId.length, 56);
  });

  test('a locked server cannot be deleted by its owner', async () => {
    const id = (await create(ALICE, { name: 'locked' })).json.server.id;
    await instanceUpdate(h.db, null, id, { locked: true });
    const res = await h.call('DELETE', `/v2.1/servers/${id}`, ALICE);
    assert.equal(res.status, 409);
  });
});

describe('server metadata', () => {
  let id: string;
  before(async () => {
    id = (await create(ALICE, { name: 'meta', metadata: { a: '1' } })).json.server.id;
    await instanceUpdate(h.db, null, id, { vm_state: 'active', task_state: null, host: 'host1' });
  });

  test('reads, merges, replaces, sets one item and deletes one', async () => {
    assert.deepEqual((await h.call('GET', `/v2.1/servers/${id}/metadata`, ALICE)).json, { metadata: { a: '1' } });
    const merged = await h.call('POST', `/v2.1/servers/${id}/metadata`, ALICE, { metadata: { b: '2' } });
    assert.deepEqual(merged.json, { metadata: { a: '1', b: '2' } });
    const replaced = await h.call('PUT', `/v2.1/servers/${id}/metadata`, ALICE, { metadata: { c: '3' } });
    assert.deepEqual(replaced.json, { metadata: { c: '3' } });
    const item = await h.call('PUT', `/v2.1/servers/${id}/metadata/d`, ALICE, { meta: { d: '4' } });
    assert.deepEqual(item.json, { meta: { d: '4' } });
    assert.deepEqual((await h.call('GET', `/v2.1/servers/${id}/metadata/d`, ALICE)).json, { meta: { d: '4' } });
    assert.equal((await h.call('DELETE', `/v2.1/servers/${id}/metadata/c`, ALICE)).status, 204);
    assert.deepEqual((await h.call('GET', `/v2.1/servers/${id}/metadata`, ALICE)).json, { metadata: { d: '4' } });
    const casts = await h.waitFor(h.compute, 'change_instance_metadata', 1);
    assert.ok(casts.some((c: any) => c.args.diff.c?.[0] === '-'));
  });

  test('refuses a mismatched item, a missing key, a building server and another project', async () => {
    assert.equal((await h.call('PUT', `/v2.1/servers/${id}/metadata/x`, ALICE, { meta: { y: '1' } })).status, 400);
    assert.equal((await h.call('PUT', `/v2.1/servers/${id}/metadata/x`, ALICE, { meta: { x: '1', y: '2' } })).status, 400);
    assert.equal((await h.call('GET', `/v2.1/servers/${id}/metadata/nope`, ALICE)).status, 404);
    assert.equal((await h.call('DELETE', `/v2.1/servers/${id}/metadata/nope`, ALICE)).status, 404);
    const building = (await create(ALICE, { name: 'building' })).json.server.id;
    assert.equal((await h.call('POST', `/v2.1/servers/${building}/metadata`, ALICE, { metadata: { a: 'b' } })).status, 409);
    assert.equal((await h.call('GET', `/v2.1/servers/${id}/metadata`, BOB)).status, 404);
  });

  test('over the metadata_items limit is 403', async () => {
    await quotaCreateOrUpdate(h.db, null, 'proj-a', 'metadata_items', 2);
    const res = await h.call('POST', `/v2.1/servers/${id}/metadata`, ALICE, { metadata: { x: '1', y: '2', z: '3' } });
    assert.equal(res.status, 403);
  });
});
