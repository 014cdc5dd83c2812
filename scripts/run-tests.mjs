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
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...passthrough, ...files],
  { stdio: 'inherit', env: { ...process.env, NOVA_LOG_LEVEL: process.env.NOVA_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
