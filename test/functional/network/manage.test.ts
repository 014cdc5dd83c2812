import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import { ManageError } from '../../../src/cmd/manage/context.js';
import { registerNetworkCommands } from '../../../src/cmd/manage/network.js';
import { adminContext } from '../../../src/context/context.js';
import { fixedIpGetByNetwork } from '../../../src/db/api/fixed-ips.js';
import { networkGetAll } from '../../../src/db/api/networks.js';
import { type NetworkTestEnv, networkTestEnv } from './harness.js';

let env: NetworkTestEnv;

before(async () => {
  env = await networkTestEnv();
});
after(() => env.close());

/** Runs `nova-manage network ...` in-process and returns what it printed. */
async function manage(...argv: string[]): Promise<string> {
  const program = new Command('nova-manage').exitOverride();
  const conf = env.conf();
  registerNetworkCommands(program, () => conf);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

test('network create splits the range into num_networks labelled networks with their fixed IPs', async () => {
  await manage(
    'network',
    'create',
    '--label',
    'lab',
    '--fixed_range_v4',
    '10.50.0.0/24',
    '--num_networks',
    '2',
    '--network_size',
    '64',
    '--bridge',
    'br50',
    '--bridge_interface',
    'eth1',
    '--multi_host',
    'T',
    '--dns1',
    '9.9.9.9',
    '--project_id',
    'proj-x',
    '--priority',
    '3',
  );
  const networks = await networkGetAll(env.db, adminContext());
  assert.deepEqual(
    networks.map((n) => [
      n.label,
      n.cidr,
      n.gateway,
      n.broadcast,
      n.bridge,
      n.bridge_interface,
      n.multi_host,
      n.dns1,
      n.project_id,
      n.priority,
    ]),
    [
      ['lab_0', '10.50.0.0/26', '10.50.0.1', '10.50.0.63', 'br50', 'eth1', true, '9.9.9.9', 'proj-x', null],
      ['lab_1', '10.50.0.64/26', '10.50.0.65', '10.50.0.127', 'br50', 'eth1', true, '9.9.9.9', 'proj-x', null],
    ],
  );
  const ips = await fixedIpGetByNetwork(env.db, adminContext(), networks[1]?.id as number);
  assert.equal(ips.length, 64);
  assert.deepEqual(
    ips.filter((r) => r.reserved).map((r) => r.address),
    ['10.50.0.64', '10.50.0.65', '10.50.0.127'],
  );
});

test('network list prints one tab-separated line per network under a header', async () => {
  const out = await manage('network', 'list');
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.deepEqual(
    lines[0]?.split('\t').map((c) => c.trim()),
    ['id', 'IPv4', 'IPv6', 'start address', 'DNS1', 'DNS2', 'VlanID', 'project', 'uuid'],
  );
  const first = lines[1]?.split('\t').map((c) => c.trim());
  assert.deepEqual(first?.slice(1, 8), ['10.50.0.0/26', 'None', '10.50.0.2', '9.9.9.9', 'None', 'None', 'proj-x']);
});

test("network create without a label fails with Nova's message", async () => {
  await assert.rejects(manage('network', 'create', '--fixed_range_v4', '10.60.0.0/24', '--bridge', 'br60'), (err: Error) => {
    assert.ok(err instanceof ManageError);
    assert.equal(err.message, 'label is required to create a network.');
    return true;
  });
});

test('network modify and delete: a network given to a project must be disassociated before it can go', async () => {
  await assert.rejects(manage('network', 'delete', '--fixed_range', '10.50.0.64/26'), /disassociated from project proj-x/);
  await manage('network', 'modify', '--fixed_range', '10.50.0.64/26', '--disassociate-project', '--host', 'net1');
  const modified = (await networkGetAll(env.db, adminContext())).find((n) => n.cidr === '10.50.0.64/26');
  assert.equal(modified?.project_id, null);
  assert.equal(modified?.host, 'net1');
  await manage('network', 'delete', '--fixed_range', '10.50.0.64/26');
  assert.deepEqual(
    (await networkGetAll(env.db, adminContext())).map((n) => n.cidr),
    ['10.50.0.0/26'],
  );
});
