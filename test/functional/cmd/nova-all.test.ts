import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NOVA_LATEST_VERSION } from '../../../src/db/migrations/nova/index.js';
import { ephemeralPortsConf } from '../../support/ephemeral-ports.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

function tsx(args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('nova-all and nova-manage as processes', () => {
  let child: ChildProcess;
  let stateDir: string;
  let extraConf: string;
  let computeUrl = '';
  let output = '';

  before(
    async () => {
      stateDir = mkdtempSync(join(tmpdir(), 'nova-all-'));
      extraConf = join(stateDir, 'ports.conf');
      // Free ports, so the test never collides with a cloud running on the machine.
      writeFileSync(extraConf, ephemeralPortsConf());
      child = spawn(process.execPath, ['--import', 'tsx', 'src/cmd/nova-all.ts', '--state-dir', stateDir, '--config-file', extraConf], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const summary = /compute API\s+(\S+)\/v2\.1/;
      computeUrl = await new Promise<string>((resolve, reject) => {
        const collect = (d: Buffer): void => {
          output += d.toString();
          const m = summary.exec(output);
          if (m) resolve(m[1] as string);
        };
        child.stdout?.on('data', collect);
        child.stderr?.on('data', collect);
        child.once('exit', (code) => reject(new Error(`nova-all exited with ${code} before it was up:\n${output}`)));
      });
    },
    { timeout: 120_000 },
  );

  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('writes its configuration and clouds.yaml into the state directory', () => {
    assert.match(readFileSync(join(stateDir, 'nova.conf'), 'utf8'), new RegExp(`state_path = ${stateDir}`));
    const clouds = readFileSync(join(stateDir, 'clouds.yaml'), 'utf8');
    assert.match(clouds, /nova-ts:/);
    assert.match(clouds, /nova-ts-demo:/);
  });

  it('serves the compute version document without authentication', async () => {
    const res = await fetch(`${computeUrl}/`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { versions: Array<{ id: string }> };
    assert.deepEqual(
      body.versions.map((v) => v.id),
      ['v2.0', 'v2.1'],
    );
  });

  it('serves the metadata service, which lists the EC2 versions and knows no instance at an unknown address', async () => {
    const metadataUrl = (/metadata\s+(\S+)/.exec(output) as RegExpExecArray)[1] as string;
    const root = await fetch(`${metadataUrl}/`);
    assert.equal(root.status, 200);
    assert.equal((await root.text()).split('\n').at(-1), 'latest');
    assert.equal((await fetch(`${metadataUrl}/latest/meta-data/instance-id`)).status, 404);
  });

  it('shows every RPC service up in nova-manage service list', () => {
    const r = tsx(['src/cmd/nova-manage.ts', '--config-file', join(stateDir, 'nova.conf'), 'service', 'list']);
    assert.equal(r.status, 0, String(r.stderr));
    const lines = String(r.stdout).trim().split('\n').slice(1);
    const binaries = lines.map((l) => l.split(/\s+/)[0]).sort();
    assert.deepEqual(binaries, ['nova-cert', 'nova-compute', 'nova-conductor', 'nova-consoleauth', 'nova-network', 'nova-scheduler']);
    assert.ok(
      lines.every((l) => l.includes(':-)')),
      String(r.stdout),
    );
  });

  it('stops cleanly with exit code 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});

describe('a bad configuration', () => {
  it('stops nova-manage with one line naming file, line, section and key, and exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-bad-'));
    const file = join(dir, 'nova.conf');
    writeFileSync(file, '[DEFAULT]\nreport_interval = often\n');
    const r = tsx(['src/cmd/nova-manage.ts', '--config-file', file, 'db', 'version']);
    assert.equal(r.status, 2);
    assert.equal(String(r.stderr), `configuration error: ${file}:2: [DEFAULT] report_interval: expected an integer, got "often"\n`);
  });

  it('stops nova-all the same way for an unknown option', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-bad-'));
    const extra = join(dir, 'extra.conf');
    writeFileSync(extra, '[database]\nconection = sqlite://\n');
    const r = tsx(['src/cmd/nova-all.ts', '--state-dir', join(dir, 'state'), '--config-file', extra]);
    assert.equal(r.status, 2);
    assert.equal(String(r.stderr), `configuration error: ${extra}:2: [database] conection: unknown option\n`);
  });
});

describe('nova-manage db', () => {
  it('syncs a new SQLite database to the newest schema version and reports it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-db-'));
    const file = join(dir, 'nova.conf');
    writeFileSync(file, `[DEFAULT]\nstate_path = ${dir}\n`);
    assert.equal(String(tsx(['src/cmd/nova-manage.ts', '--config-file', file, 'db', 'version']).stdout), 'None\n');
    const sync = tsx(['src/cmd/nova-manage.ts', '--config-file', file, 'db', 'sync']);
    assert.equal(sync.status, 0, String(sync.stderr));
    assert.equal(String(tsx(['src/cmd/nova-manage.ts', '--config-file', file, 'db', 'version']).stdout), `${NOVA_LATEST_VERSION}\n`);
  });

  it('prints a sample configuration that lists registered options', () => {
    const r = tsx(['src/cmd/nova-manage.ts', 'config', 'sample']);
    assert.equal(r.status, 0);
    assert.match(String(r.stdout), /#report_interval = 10\n/);
    assert.match(String(r.stdout), /\[database\]/);
  });
});
