#!/usr/bin/env node
// Runs the test suite with node's test runner under tsx.
//   npm test                    every suite (unit, functional, integration)
//   npm test -- unit functional  only those folders under test/
//   npm test -- test/unit/config/ini.test.ts   only those files
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SUITES = ['unit', 'functional', 'integration'];

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
}

const args = process.argv.slice(2);
const passthrough = args.filter((a) => a.startsWith('--'));
const targets = args.filter((a) => !a.startsWith('--'));
const roots = targets.length ? targets.map((t) => (SUITES.includes(t) ? join('test', t) : t)) : SUITES.map((s) => join('test', s));
const files = [];
for (const root of roots) {
  if (!existsSync(root)) {
    console.error(`no such test path: ${root}`);
    process.exit(2);
  }
  collect(root, files);
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(2);
}
// Files named *.exclusive.test.ts disturb shared externals (a broker restart, say), so
// they run after the others, one at a time.
const exclusive = files.filter((f) => f.endsWith('.exclusive.test.ts'));
const shared = files.filter((f) => !f.endsWith('.exclusive.test.ts'));

function run(batch, concurrency) {
  if (batch.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...passthrough, ...batch],
    { stdio: 'inherit', env: { ...process.env, NOVA_LOG_LEVEL: process.env.NOVA_LOG_LEVEL ?? 'silent' } },
  );
  return result.status ?? 1;
}

const first = run(shared, 2);
const second = run(exclusive, 1);
process.exit(first || second);
