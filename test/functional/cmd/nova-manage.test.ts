/**
 * nova-manage as a process against a state directory's nova.conf and SQLite database:
 * each category's output and exit codes, and that refused commands change nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { prepareStateDir } from '../../../src/cmd/state-dir.js';
import { adminContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import { computeNodeCreate } from '../../../src/db/api/compute-nodes.js';
import { serviceCreate } from '../../../src/db/api/services.js';
import { openDatabase } from '../../../src/db/engine.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
let stateDir = '';
let confFile = '';
let dbUrl = '';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function manage(...args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cmd/nova-manage.ts', '--config-file', confFile, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = (await openDatabase(dbUrl)) as Db;
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function totalRows(): Promise<number> {
  return withDb(async (db) => {
    let n = 0;
    for (const table of ['agent_builds', 'instance_types', 'instance_type_extra_specs', 'quotas', 'services']) {
      const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db.kysely);
      n += Number(r.rows[0]?.n);
    }
    return n;
  });
}

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'nova-manage-'));
  const state = prepareStateDir(stateDir);
  confFile = state.configFile;
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  writeFileSync(join(stateDir, 'manage.conf'), `[DEFAULT]\nlog_dir = ${join(stateDir, 'logs')}\n`);
  const sync = manage('db', 'sync');
  assert.equal(sync.status, 0, sync.stderr);
  dbUrl = `sqlite:///${join(stateDir, 'nova.sqlite')}`;
  await withDb(async (db) => {
    const ctx = adminContext();
    const svc = await serviceCreate(db, ctx, { host: 'cmp1', binary: 'nova-compute', topic: 'compute', report_count: 0 });
    await serviceCreate(db, ctx, { host: 'ctl1', binary: 'nova-scheduler', topic: 'scheduler', report_count: 0 });
    await computeNodeCreate(db, ctx, {
      service_id: svc.id,
      vcpus: 8,
      memory_mb: 16384,
      local_gb: 100,
      vcpus_used: 1,
      memory_mb_used: 1024,
      local_gb_used: 2,
      hypervisor_type: 'fake',
      hypervisor_version: 1,
      cpu_info: '{}',
      hypervisor_hostname: 'cmp1',
    });
  });
});
after(() => rmSync(stateDir, { recursive: true, force: true }));

describe('nova-manage', () => {
  it('finds its database through the state directory', () => {
    assert.match(dbUrl, /nova\.sqlite$/);
    assert.match(manage('db', 'version').stdout, /^\d+\n$/);
  });

  it('bad arguments print the usage on stderr, exit 2 and change nothing', async () => {
    const before = await totalRows();
    for (const args of [
      ['no-such-category'],
      ['agent', 'create', 'linux'],
      ['flavor', 'create', '--name', 'x'],
      ['service', 'disable', '--host', 'cmp1'],
      ['account', 'quota', '--bogus'],
    ]) {
      const r = manage(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /error|Usage/i, args.join(' '));
      assert.equal(r.stdout, '');
    }
    assert.equal(await totalRows(), before);
  });

  it("bash-completion lists the categories and a category's actions", () => {
    const categories = manage('bash-completion').stdout.trim().split(' ');
    for (const c of ['account', 'agent', 'db', 'flavor', 'host', 'instance_type', 'logs', 'project', 'service', 'shell', 'version', 'vm']) {
      assert.ok(categories.includes(c), c);
    }
    assert.equal(manage('bash-completion', 'agent').stdout.trim(), 'create delete modify list');
  });

  it('agent create, list grouped by hypervisor, modify, delete', () => {
    assert.equal(manage('agent', 'create', 'linux', 'x86', '1.0', 'http://a/x.tgz', 'abc123').status, 0);
    assert.equal(manage('agent', 'create', 'linux', 'x86', '1.0', 'http://a/k.tgz', 'def456', 'kvm').status, 0);
    const listed = manage('agent', 'list', 'xen');
    assert.equal(
      listed.stdout,
      [
        'Hypervisor: xen',
        `${'-'.repeat(10)}  ${'-'.repeat(8)}  ${'-'.repeat(12)}  ${'-'.repeat(32)}`,
        'linux       x86                1.0  abc123',
        '    http://a/x.tgz',
        '',
        '',
      ].join('\n'),
    );
    assert.equal(manage('agent', 'modify', 'linux', 'x86', '2.0', 'http://a/y.tgz', 'fff', 'xen').status, 0);
    assert.match(manage('agent', 'list').stdout, /2\.0 {2}fff\n {4}http:\/\/a\/y\.tgz/);
    assert.equal(manage('agent', 'delete', 'linux', 'x86').status, 0);
    assert.doesNotMatch(manage('agent', 'list').stdout, /Hypervisor: xen/);
    assert.equal(manage('agent', 'delete', 'linux', 'x86').status, 1, 'nothing left to delete');
  });

  it('flavor create, list, set_key, unset_key, delete with Grizzly exit codes', () => {
    const made = manage('flavor', 'create', '--name', 'op.small', '--memory', '512', '--cpu', '1', '--root_gb', '1', '--flavor', '42');
    assert.equal(made.status, 0, made.stderr);
    assert.equal(made.stdout, 'op.small created\n');
    assert.equal(
      manage('flavor', 'set_key', '--name', 'op.small', '--key', 'hw:x', '--value', 'y').stdout,
      'Key hw:x set to y on instance type op.small\n',
    );
    assert.equal(
      manage('instance_type', 'list', '--name', 'op.small').stdout,
      "op.small: Memory: 512MB, VCPUS: 1, Root: 1GB, Ephemeral: 0Gb, FlavorID: 42, Swap: 0MB, RXTX Factor: 1, public, ExtraSpecs {u'hw:x': u'y'}\n",
    );
    const dup = manage('flavor', 'create', '--name', 'op.small', '--memory', '512', '--cpu', '1', '--root_gb', '1');
    assert.equal(dup.status, 2);
    assert.match(dup.stdout, /^Instance Type exists\./);
    const bad = manage('flavor', 'create', '--name', 'op.bad', '--memory', '-1', '--cpu', '1', '--root_gb', '1');
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /Must supply valid parameters to create instance_type/);
    assert.equal(manage('flavor', 'unset_key', '--name', 'op.small', '--key', 'hw:x').stdout, 'Key hw:x on instance type op.small unset\n');
    assert.equal(manage('flavor', 'set_key', '--name', 'nope', '--key', 'a', '--value', 'b').status, 2);
    assert.equal(manage('flavor', 'delete', '--name', 'op.small').stdout, 'op.small deleted\n');
    const gone = manage('flavor', 'delete', '--name', 'op.small');
    assert.equal(gone.status, 1);
    assert.equal(gone.stdout, 'Valid instance type name is required\n');
  });

  it('account quota sets a limit (unlimited is -1) and prints the table; an unknown key exits 2', async () => {
    const r = manage('account', 'quota', '--project', 'p1', '--key', 'instances', '--value', 'unlimited');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0] as string, /^Quota\s+Limit\s+In Use\s+Reserved$/);
    assert.match(r.stdout, /\ninstances\s+unlimited\s+0\s+0\n/);
    assert.match(manage('project', 'quota', '--project', 'p1', '--key', 'cores', '--value', '7').stdout, /\ncores\s+7\s+0\s+0\n/);
    const before = await totalRows();
    const bad = manage('project', 'quota', '--project', 'p1', '--key', 'bogus', '--value', '1');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /bogus is not a valid quota key\. Valid options are: .*instances/);
    assert.equal(manage('project', 'quota', '--project', 'p1', '--key', 'cores', '--value', 'lots').status, 2);
    assert.equal(await totalRows(), before);
  });

  it('host list, vm list, service describe_resource', () => {
    assert.equal(
      manage('host', 'list').stdout,
      `${'host'.padEnd(25)}\t${'zone'.padEnd(15)}\n${'cmp1'.padEnd(25)}\t${'nova'.padEnd(15)}\n${'ctl1'.padEnd(25)}\t${'internal'.padEnd(15)}\n`,
    );
    assert.equal(manage('host', 'list', 'internal').stdout.trim().split('\n').length, 2);
    assert.match(manage('vm', 'list').stdout, /^instance\s+node\s+type\s+state\s+launched/);
    const described = manage('service', 'describe_resource', '--host', 'cmp1');
    assert.equal(described.status, 0, described.stderr);
    const lines = described.stdout.split('\n');
    assert.match(lines[0] as string, /^HOST\s+PROJECT\s+cpu\s+mem\(mb\)\s+hdd$/);
    assert.match(lines[1] as string, /^cmp1\s+\(total\)\s+8\s+16384\s+100$/);
    assert.match(lines[2] as string, /^cmp1\s+\(used_now\)\s+1\s+1024\s+2$/);
    assert.match(lines[3] as string, /^cmp1\s+\(used_max\)\s+0\s+0\s+0$/);
    assert.equal(manage('service', 'describe_resource', '--host', 'nowhere').status, 2);
  });

  it('a Grizzly option nova-ts lacks is accepted with one warning naming it', () => {
    const grizzly = join(stateDir, 'grizzly.conf');
    writeFileSync(grizzly, '[DEFAULT]\napi_paste_config = /etc/nova/api-paste.ini\nrootwrap_config = /etc/nova/rootwrap.conf\n');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cmd/nova-manage.ts', '--config-file', confFile, '--config-file', grizzly, 'db', 'version'],
      // The test runner silences logs; this test reads the warning from the log file.
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NOVA_LOG_LEVEL: 'info' } },
    );
    assert.equal(r.status, 0, r.stderr);
    const logged = readFileSync(join(stateDir, 'logs', 'nova-manage.log'), 'utf8');
    const warnings = logged.split('\n').filter((l) => l.includes('does not implement'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /ignored: api_paste_config, rootwrap_config/);
  });

  it('logs errors scans log_dir; shell says it is not supported', () => {
    writeFileSync(join(stateDir, 'logs', 'nova-api.log'), 'a fine line\n2013-01-01 12:00:00 ERROR nova.api boom\n');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cmd/nova-manage.ts',
        '--config-file',
        confFile,
        '--config-file',
        join(stateDir, 'manage.conf'),
        'logs',
        'errors',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /nova-api\.log:-\nLine 2 : 2013-01-01 12:00:00 ERROR nova\.api boom\n/);
    const shell = manage('shell', 'python');
    assert.equal(shell.status, 1);
    assert.match(shell.stderr, /not supported by nova-ts/);
  });
});
