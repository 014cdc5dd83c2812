/**
 * Bad input on the servers API (issue 8, flows 5–7 and 9): each request is refused with a
 * 400 before anything is written or cast.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { instanceUpdate } from '../../../src/db/api/instances.js';
import { quotaCreateOrUpdate } from '../../../src/db/api/quotas.js';
import { serviceCreate } from '../../../src/db/api/services.js';
import { type Harness, IMAGE_ACTIVE, startHarness } from './servers-harness.js';

const ALICE = 'alice:proj-a';
const ADMIN = 'admin:admin-proj';
const OTHER_SERVER = '6a0b3c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d';

let h: Harness;
let serverId: string;

/** Tables a create or an update writes to. */
const TABLES = [
  'instances',
  'instance_metadata',
  'instance_system_metadata',
  'instance_info_caches',
  'instance_id_mappings',
  'instance_actions',
  'block_device_mapping',
  'security_group_instance_association',
];

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    // biome-ignore lint/suspicious/noExplicitAny: any table of the schema
    const row = await (h.db.kysely as any)
      .selectFrom(table)
      // biome-ignore lint/suspicious/noExplicitAny: kysely's expression builder
      .select((eb: any) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: fault and server bodies are inspected freely
  json: any;
}

/** Sends a body as raw text: JSON.stringify itself cannot write the deepest bodies. */
async function raw(method: string, path: string, text: string): Promise<Reply> {
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers: { 'X-Auth-Token': ALICE, 'Content-Type': 'application/json' },
    body: text,
  });
  const body = await res.text();
  return { status: res.status, json: body === '' ? undefined : JSON.parse(body) };
}

function serverBody(extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return { server: { name: 'vm', imageRef: IMAGE_ACTIVE, flavorRef: '1', ...extra }, ...top };
}

/** Asserts a 400 fault and that no table changed and nothing was cast to the scheduler. */
async function refused(send: () => Promise<Reply>, message?: RegExp): Promise<void> {
  const before = await counts();
  const casts = h.scheduler.calls.length;
  const res = await send();
  assert.equal(res.status, 400, JSON.stringify(res.json)?.slice(0, 500));
  assert.equal(typeof res.json.badRequest.message, 'string');
  if (message) assert.match(res.json.badRequest.message, message);
  assert.deepEqual(await counts(), before);
  assert.equal(h.scheduler.calls.length, casts);
}

before(async () => {
  h = await startHarness();
  await serviceCreate(h.db, adminContext(), { host: 'host1', binary: 'nova-compute', topic: 'compute', report_count: 0 });
  // The accepted requests must never be refused for quota, which would hide what is tested.
  for (const resource of ['instances', 'cores', 'ram']) await quotaCreateOrUpdate(h.db, null, 'proj-a', resource, -1);
  const res = await h.call('POST', '/v2.1/servers', ALICE, serverBody());
  assert.equal(res.status, 202);
  serverId = res.json.server.id;
  // Active, so that a metadata change that passed validation would be applied, not refused for its state.
  await instanceUpdate(h.db, adminContext(), serverId, { vm_state: 'active', task_state: null });
});

after(async () => {
  await h.close();
});

describe('flow 5: min_count and max_count as strings', () => {
  for (const [what, extra] of [
    ['min_count "0"', { min_count: '0' }],
    ['max_count "0"', { max_count: '0' }],
    ['min_count 0', { min_count: 0 }],
    ['min_count "-1"', { min_count: '-1' }],
    ['min_count ""', { min_count: '' }],
  ] as const) {
    test(`${what} is a 400, not a 500`, async () => {
      await refused(() => h.call('POST', '/v2.1/servers', ALICE, serverBody(extra)));
    });
  }

  test('min_count "0" answers with Nova\'s wording', async () => {
    const res = await h.call('POST', '/v2.1/servers', ALICE, serverBody({ min_count: '0' }));
    assert.equal(res.json.badRequest.message, 'Invalid input for field/attribute min_count. Value: 0. 0 is less than the minimum of 1');
  });

  test('counts above what the database holds are refused', async () => {
    await refused(() => h.call('POST', '/v2.1/servers', ALICE, serverBody({ max_count: '2147483648' })));
  });
});

describe('flow 6: deeply nested bodies', () => {
  const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

  test('a 55,000-deep array is a 400 on create, update and metadata', async () => {
    await refused(() => raw('POST', '/v2.1/servers', deepArray(55_000)));
    await refused(() => raw('PUT', `/v2.1/servers/${serverId}`, deepArray(55_000)));
    await refused(() => raw('POST', `/v2.1/servers/${serverId}/metadata`, deepArray(55_000)));
    await refused(() => raw('PUT', `/v2.1/servers/${serverId}/metadata/a`, deepArray(55_000)));
  });

  for (const depth of [3_000, 5_000]) {
    test(`a ${depth}-deep object as server, metadata or a metadata value is a 400`, async () => {
      await refused(() => raw('POST', '/v2.1/servers', `{"server": ${deepObject(depth)}}`));
      await refused(() => raw('PUT', `/v2.1/servers/${serverId}`, `{"server": ${deepObject(depth)}}`));
      await refused(() => raw('POST', '/v2.1/servers', `{"server": {"name": "x", "flavorRef": "1", "metadata": ${deepObject(depth)}}}`));
      await refused(() => raw('POST', `/v2.1/servers/${serverId}/metadata`, `{"metadata": ${deepObject(depth)}}`));
      await refused(() => raw('POST', `/v2.1/servers/${serverId}/metadata`, `{"metadata": {"k": ${deepObject(depth)}}}`));
    });
  }

  test('deep bodies on the legacy /v2 root are refused too', async () => {
    const res = await fetch(`${h.base}/v2/proj-a/servers`, {
      method: 'POST',
      headers: { 'X-Auth-Token': ALICE, 'Content-Type': 'application/json' },
      body: `{"server": ${deepObject(5_000)}}`,
    });
    assert.equal(res.status, 400);
  });
});

function hintsOf(args: Record<string, unknown> | undefined): Record<string, unknown> {
  assert.ok(args);
  return (args.filter_properties as { scheduler_hints: Record<string, unknown> }).scheduler_hints;
}

describe('flow 7: scheduler hints', () => {
  const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

  test('a 5,000-deep hint object or a 50,000-deep hint list is a 400', async () => {
    const base = JSON.stringify(serverBody()).slice(0, -1);
    await refused(() => raw('POST', '/v2.1/servers', `${base}, "os:scheduler_hints": {"x": ${deepObject(5_000)}}}`));
    await refused(() => raw('POST', '/v2.1/servers', `${base}, "os:scheduler_hints": {"x": ${'['.repeat(50_000)}${']'.repeat(50_000)}}}`));
    await refused(() => raw('POST', '/v2.1/servers', `${base}, "OS-SCH-HNT:scheduler_hints": {"query": ${deepObject(5_000)}}}`));
  });

  const badHints: [string, Record<string, unknown>][] = [
    ['same_host that is not a server uuid', { same_host: 'x' }],
    ['different_host holding a non-uuid', { different_host: [OTHER_SERVER, 'nope'] }],
    ['different_host as an object', { different_host: { a: 1 } }],
    ['group as a number', { group: 3 }],
    ['query as a number', { query: 42 }],
    ['query that is a nested JSON string beyond the depth limit', { query: `${'['.repeat(1000)}${']'.repeat(1000)}` }],
    ['build_near_host_ip that is no address', { build_near_host_ip: 'near' }],
    ['cidr without its slash', { cidr: '24' }],
    ['target_cell with a control character', { target_cell: 'c\u0000' }],
  ];
  for (const [what, hints] of badHints) {
    test(`${what} is a 400`, async () => {
      await refused(() => h.call('POST', '/v2.1/servers', ALICE, serverBody({}, { 'os:scheduler_hints': hints })));
    });
  }

  test('well-formed hints reach the scheduler unchanged', async () => {
    const hints = {
      same_host: OTHER_SERVER,
      different_host: [OTHER_SERVER],
      query: '[">=", "$free_ram_mb", 1024]',
      build_near_host_ip: '10.0.0.1',
      cidr: '/24',
      group: 'web',
      custom: 'kept',
    };
    const before = h.scheduler.calls.length;
    const res = await h.call('POST', '/v2.1/servers', ALICE, serverBody({}, { 'os:scheduler_hints': hints }));
    assert.equal(res.status, 202, JSON.stringify(res.json));
    const [cast] = (await h.waitFor(h.scheduler, 'run_instance', before + 1)).slice(before);
    assert.deepEqual(hintsOf(cast?.args), hints);
  });

  test('a query hint given as an object reaches the scheduler as the JSON text it filters on', async () => {
    const before = h.scheduler.calls.length;
    const query = ['>=', '$free_ram_mb', 1024];
    const res = await h.call('POST', '/v2.1/servers', ALICE, serverBody({}, { 'os:scheduler_hints': { query: { q: query } } }));
    assert.equal(res.status, 202, JSON.stringify(res.json));
    const [cast] = (await h.waitFor(h.scheduler, 'run_instance', before + 1)).slice(before);
    assert.equal(hintsOf(cast?.args).query, JSON.stringify({ q: query }));
  });
});

describe('flow 9: names', () => {
  const badNames: [string, string][] = [
    ['NUL', 'a\u0000b'],
    ['a control character', 'a\u0007b'],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['a bidi override', 'a\u202eb'],
    ['a zero-width space', 'a\u200bb'],
    ['a line separator', 'a\u2028b'],
    ['a lone surrogate', 'a\ud800b'],
  ];
  for (const [what, name] of badNames) {
    test(`a name with ${what} is a 400 on create and on update`, async () => {
      await refused(
        () => h.call('POST', '/v2.1/servers', ALICE, serverBody({ name })),
        /^An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.$/,
      );
      const before = await h.db.kysely
        .selectFrom('instances')
        .select('display_name')
        .where('uuid', '=', serverId)
        .executeTakeFirstOrThrow();
      const res = await h.call('PUT', `/v2.1/servers/${serverId}`, ALICE, { server: { name } });
      assert.equal(res.status, 400);
      const after = await h.db.kysely.selectFrom('instances').select('display_name').where('uuid', '=', serverId).executeTakeFirstOrThrow();
      assert.equal(after.display_name, before.display_name);
    });
  }

  test('printable names in any script, with inner spaces, are accepted', async () => {
    const res = await h.call('PUT', `/v2.1/servers/${serverId}`, ALICE, { server: { name: 'Ünïcode 名前 web-1' } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.server.name, 'Ünïcode 名前 web-1');
  });
});

describe('flow 9: availability zones', () => {
  test('an unknown zone is a 400 at the API', async () => {
    await refused(
      () => h.call('POST', '/v2.1/servers', ALICE, serverBody({ availability_zone: 'atlantis' })),
      /The requested availability zone is not available/,
    );
  });

  test('the internal zone is not a zone servers can be built in', async () => {
    await refused(() => h.call('POST', '/v2.1/servers', ALICE, serverBody({ availability_zone: 'internal' })));
  });

  test('a zone name with a control character is a 400', async () => {
    await refused(() => h.call('POST', '/v2.1/servers', ALICE, serverBody({ availability_zone: 'no\u0000va' })));
  });

  test('the zone of an enabled compute host is accepted', async () => {
    const res = await h.call('POST', '/v2.1/servers', ALICE, serverBody({ availability_zone: 'nova' }));
    assert.equal(res.status, 202, JSON.stringify(res.json));
  });

  test('an admin forcing a host names a zone and a host', async () => {
    const res = await h.call('POST', '/v2.1/servers', ADMIN, serverBody({ availability_zone: 'nova:host1' }));
    assert.equal(res.status, 202, JSON.stringify(res.json));
  });
});

describe('flow 9: metadata keys', () => {
  for (const [what, key] of [
    ['NUL', 'a\u0000b'],
    ['a slash', 'a/b'],
    ['a newline', 'a\nb'],
    ['nothing', ''],
    ['256 characters', 'k'.repeat(256)],
  ] as const) {
    test(`a key with ${what} is a 400 on create and on the metadata routes`, async () => {
      await refused(() => h.call('POST', '/v2.1/servers', ALICE, serverBody({ metadata: { [key]: 'v' } })));
      const before = await counts();
      for (const [method, path, body] of [
        ['POST', `/v2.1/servers/${serverId}/metadata`, { metadata: { [key]: 'v' } }],
        ['PUT', `/v2.1/servers/${serverId}/metadata`, { metadata: { [key]: 'v' } }],
      ] as const) {
        const res = await h.call(method, path, ALICE, body);
        assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.json)}`);
      }
      assert.deepEqual(await counts(), before);
    });
  }

  test('keys of letters, digits, spaces and - _ : . are accepted', async () => {
    const res = await h.call('POST', '/v2.1/servers', ALICE, serverBody({ metadata: { 'a-b_c:d.e f': 'v' } }));
    assert.equal(res.status, 202, JSON.stringify(res.json));
  });
});

describe('flow 9: block device mappings without a volume service', () => {
  const VOLUME = '44444444-5555-4666-8777-888888888888';
  const cases: [string, Record<string, unknown>][] = [
    ['a bdm_v2 volume', { block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: VOLUME, boot_index: 0 }] }],
    ['a bdm_v2 snapshot', { block_device_mapping_v2: [{ source_type: 'snapshot', destination_type: 'volume', uuid: VOLUME }] }],
    ['a legacy volume and no imageRef', { imageRef: undefined, block_device_mapping: [{ device_name: 'vda', volume_id: VOLUME }] }],
    ['a legacy snapshot', { block_device_mapping: [{ device_name: 'vdb', snapshot_id: VOLUME }] }],
    [
      'a blank local disk of 2^63 GB',
      {
        block_device_mapping_v2: [{ source_type: 'blank', destination_type: 'local', volume_size: '9223372036854775808', boot_index: -1 }],
      },
    ],
    [
      'a blank local disk bigger than the flavor allows',
      { block_device_mapping_v2: [{ source_type: 'blank', destination_type: 'local', volume_size: 100, boot_index: -1 }] },
    ],
    [
      'a swap disk bigger than the flavor allows',
      {
        block_device_mapping_v2: [
          { source_type: 'blank', destination_type: 'local', guest_format: 'swap', volume_size: 100, boot_index: -1 },
        ],
      },
    ],
    ['a legacy ephemeral disk of size 0', { block_device_mapping: [{ device_name: 'vdb', virtual_name: 'ephemeral0', volume_size: 0 }] }],
  ];
  for (const [what, extra] of cases) {
    test(`${what} is a 400`, async () => {
      await refused(() => h.call('POST', '/v2.1/servers', ALICE, serverBody(extra)));
    });
  }
});

describe('user regular expressions (issue 7 item 9)', () => {
  test('a name filter that backtracks catastrophically answers at once', { timeout: 30_000 }, async () => {
    const long = `${'a'.repeat(5000)}!`;
    const res = await h.call('POST', '/v2.1/servers', ALICE, serverBody({ name: long.slice(-255) }));
    assert.equal(res.status, 202, JSON.stringify(res.json));
    const list = await h.call('GET', `/v2.1/servers?name=${encodeURIComponent('(a+)+$')}`, ALICE);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.servers, []);
    const found = await h.call('GET', `/v2.1/servers?name=${encodeURIComponent('(a+)+!$')}`, ALICE);
    assert.deepEqual(
      found.json.servers.map((s: { id: string }) => s.id),
      [res.json.server.id],
    );
    const column = await h.call('GET', `/v2.1/servers?all_tenants=1&hostname=${encodeURIComponent('(a|aa)*$x')}`, ADMIN);
    assert.equal(column.status, 200);
  });

  for (const pattern of ['(a)\\1', '(?=a)b', '[[:alpha:]]', '(', 'a{999}']) {
    test(`a filter the engines cannot all run safely, ${pattern}, is a 400`, async () => {
      const res = await h.call('GET', `/v2.1/servers?name=${encodeURIComponent(pattern)}`, ALICE);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      const admin = await h.call('GET', `/v2.1/servers?all_tenants=1&hostname=${encodeURIComponent(pattern)}`, ADMIN);
      assert.equal(admin.status, 400, JSON.stringify(admin.json));
    });
  }
});
