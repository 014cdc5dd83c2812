/**
 * A binary started without an option it cannot run without stops at once: one line on
 * stderr naming the option, exit code 2, no stack trace (issue 8 flow 10).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ephemeralPortsConf } from '../../support/ephemeral-ports.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'nova-required-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  stderr: string;
}

/** Runs a binary's entry module under tsx with `conf` as its only nova.conf; kills it if it keeps running. */
function runBinary(binary: string, conf: string, args: string[] = []): Promise<Outcome> {
  const file = join(dir, `${binary}-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, conf);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cmd/${binary}.ts`, '--config-file', file, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NOVA_LOG_LEVEL: 'silent' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // A binary that starts instead of stopping is a failure too; do not let it run on.
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

function assertConfigError(outcome: Outcome, option: RegExp): void {
  assert.equal(outcome.code, 2, outcome.stderr);
  const lines = outcome.stderr.trim().split('\n');
  assert.equal(lines.length, 1, outcome.stderr);
  assert.match(lines[0] as string, /^configuration error: /);
  assert.match(lines[0] as string, option);
  assert.doesNotMatch(outcome.stderr, /\n\s+at /);
}

describe('binaries refuse to start without the options they need', () => {
  const db = () => `sqlite:///${join(dir, 'nova.sqlite')}`;

  test('nova-compute without compute_driver, or with an unknown one, stops before waiting for a conductor', async () => {
    // A Grizzly driver nova-ts does not have; libvirt.LibvirtDriver is one it has.
    const [unset, unknown] = await Promise.all([
      runBinary('nova-compute', `[DEFAULT]\nstate_path = ${dir}\n`),
      runBinary('nova-compute', `[DEFAULT]\nstate_path = ${dir}\ncompute_driver = xenapi.XenAPIDriver\n`),
    ]);
    assertConfigError(unset, /compute_driver is not set/);
    assertConfigError(unknown, /compute_driver = xenapi\.XenAPIDriver/);
  });

  test('nova-compute with the libvirt driver and a libvirt_type it does not support', async () => {
    const outcome = await runBinary(
      'nova-compute',
      `[DEFAULT]\nstate_path = ${dir}\ncompute_driver = libvirt.LibvirtDriver\nlibvirt_type = xen\n`,
    );
    assertConfigError(outcome, /libvirt_type = xen/);
  });

  test('nova-api without [glance] api_servers', async () => {
    const outcome = await runBinary('nova-api', `[DEFAULT]\nosapi_compute_listen_port = 0\n\n[database]\nconnection = ${db()}\n`);
    assertConfigError(outcome, /\[glance\] api_servers/);
  });

  test('a service whose [database] connection is no database URL', async () => {
    const outcomes = await Promise.all(
      ['nova-conductor', 'nova-network'].map((b) =>
        runBinary(b, `[DEFAULT]\nstate_path = ${dir}\n\n[database]\nconnection = mongodb://x/nova\n`),
      ),
    );
    for (const outcome of outcomes) assertConfigError(outcome, /mongodb/);
  });

  test('nova-scheduler with a filter it does not have', async () => {
    const outcome = await runBinary(
      'nova-scheduler',
      `[DEFAULT]\nstate_path = ${dir}\nscheduler_default_filters = RamFilter,NoSuchFilter\n\n[database]\nconnection = ${db()}\n`,
    );
    assertConfigError(outcome, /NoSuchFilter/);
  });

  test('nova-manage db sync with no database URL', async () => {
    assertConfigError(await runBinary('nova-manage', '[database]\nconnection = mongodb://x/nova\n', ['db', 'sync']), /mongodb/);
  });

  test('nova-all whose nova.conf names an unknown compute_driver', async () => {
    const stateDir = join(dir, 'all');
    // Every listener on a free port: nova-all starts its APIs before nova-compute finds the driver unknown.
    const ports = join(dir, 'ports.conf');
    writeFileSync(ports, ephemeralPortsConf());
    const outcome = await runBinary('nova-all', '[DEFAULT]\ncompute_driver = nosuch\n', ['--state-dir', stateDir, '--config-file', ports]);
    assertConfigError(outcome, /compute_driver = nosuch/);
  });
});
