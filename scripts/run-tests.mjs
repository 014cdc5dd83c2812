#!/usr/bin/env node
// Runs the test suite with node's test runner under tsx.
//   npm test                    every suite (unit, functional, integration)
//   npm test -- unit functional  only those folders under test/
//   npm test -- test/unit/config/ini.test.ts   only those files
import { spawn } from 'node:child_process';
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

const totals = { pass: 0, fail: 0, skipped: 0 };

// Streams the runner's TAP output through while adding up its closing counts, so that
// the two batches end in one summary line.
function run(batch, concurrency) {
  if (batch.length === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...passthrough, ...batch],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NOVA_LOG_LEVEL: process.env.NOVA_LOG_LEVEL ?? 'silent' } },
    );
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^# (pass|fail|skipped) (\d+)$/.exec(line);
        if (m) totals[m[1]] += Number(m[2]);
      }
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const first = await run(shared, 2);
const second = await run(exclusive, 1);
console.log(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(first || second);
