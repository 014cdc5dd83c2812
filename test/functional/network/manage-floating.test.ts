import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import { ManageError } from '../../../src/cmd/manage/context.js';
import { registerFixedCommands } from '../../../src/cmd/manage/fixed.js';
import { registerFloatingCommands } from '../../../src/cmd/manage/floating.js';
import { adminContext } from '../../../src/context/context.js';
import { floatingIpGetAll } from '../../../src/db/api/floating-ips.js';
import { NoopLinuxNet } from '../../../src/network/linux-net.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { type NetworkTestEnv, networkTestEnv } from './harness.js';

let env: NetworkTestEnv;

before(async () => {
  env = await networkTestEnv();
});
after(() => env.close());

/** Runs `nova-manage floating ...` in-process and returns what it printed. */
async function manage(...argv: string[]): Promise<string> {
  const program = new Command('nova-manage').exitOverride();
  const conf = env.conf({ public_interface: 'eth7' });
  registerFloatingCommands(program, () => conf);
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

test('floating list says so when no address is defined', async () => {
  assert.equal(await manage('floating', 'list'), 'No floating IP addresses have been defined.\n');
});

test('floating create makes every host address of a CIDR, in the default pool on public_interface', async () => {
  await manage('floating', 'create', '--ip_range', '198.51.100.0/30');
  await manage('floating', 'create', '--ip_range', '198.51.100.9', '--pool', 'ext', '--interface', 'eth3');
  const rows = await floatingIpGetAll(env.db, adminContext());
  assert.deepEqual(
    rows.map((r) => [r.address, r.pool, r.interface]),
    [
      ['198.51.100.1', 'nova', 'eth7'],
      ['198.51.100.2', 'nova', 'eth7'],
      ['198.51.100.9', 'ext', 'eth3'],
    ],
  );
  assert.equal(
    await manage('floating', 'list'),
    ['None\t198.51.100.1\tNone\tnova\teth7', 'None\t198.51.100.2\tNone\tnova\teth7', 'None\t198.51.100.9\tNone\text\teth3', ''].join('\n'),
  );
});

test('floating create refuses an address that exists, and a /31', async () => {
  await assert.rejects(manage('floating', 'create', '--ip_range', '198.51.100.2'), (err: unknown) => {
    assert.ok(err instanceof ManageError);
    assert.match(err.message, /198\.51\.100\.2 already exists/);
    return true;
  });
  await assert.rejects(manage('floating', 'create', '--ip_range', '198.51.100.20/31'), /single address/);
});

test('floating delete removes the range and list --host shows only what a host carries', async () => {
  await manage('floating', 'delete', '--ip_range', '198.51.100.0/30');
  assert.equal(await manage('floating', 'list', '--host', 'nethost'), 'No floating IP addresses have been defined.\n');
  const rows = await floatingIpGetAll(env.db, adminContext());
  assert.deepEqual(
    rows.map((r) => r.address),
    ['198.51.100.9'],
  );
});

test('fixed reserve/unreserve flip an address; fixed list prints network, address, hostname and host', async () => {
  const program = new Command('nova-manage').exitOverride();
  const conf = env.conf();
  registerFixedCommands(program, () => conf);
  await new NetworkManager('h', { db: env.db, conf, driver: new NoopLinuxNet() }).create_networks(adminContext(), {
    label: 'fx',
    cidr: '10.90.0.0/29',
    bridge: 'br90',
  });
  await program.parseAsync(['fixed', 'reserve', '--address', '10.90.0.4'], { from: 'user' });
  const reserved = await env.db.kysely
    .selectFrom('fixed_ips')
    .select('reserved')
    .where('address', '=', '10.90.0.4')
    .executeTakeFirstOrThrow();
  assert.equal(!!reserved.reserved, true);
  await program.parseAsync(['fixed', 'unreserve', '--address', '10.90.0.4'], { from: 'user' });
  const unreserved = await env.db.kysely
    .selectFrom('fixed_ips')
    .select('reserved')
    .where('address', '=', '10.90.0.4')
    .executeTakeFirstOrThrow();
  assert.equal(!!unreserved.reserved, false);
  await assert.rejects(program.parseAsync(['fixed', 'reserve', '--address', '10.99.0.1'], { from: 'user' }), ManageError);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['fixed', 'list'], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  const lines = chunks.join('').trim().split('\n');
  assert.match(lines[0] ?? '', /^network\s+\tIP address\s+\thostname\s+\thost$/);
  assert.match(lines[1] ?? '', /^10\.90\.0\.0\/29\s+\t10\.90\.0\.0\s+\tNone\s+\tNone$/);
});
