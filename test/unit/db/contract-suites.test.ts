import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const API = new URL('../../../src/db/api/', import.meta.url);
const SUITES = new URL('../../integration/db/', import.meta.url);
/** Helpers every module builds on; schema.test.ts holds them to their contract on each engine. */
const SHARED = new Set(['common']);

test('every db/api module has a contract suite that runs on all three engines', () => {
  const modules = readdirSync(API)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .filter((m) => !SHARED.has(m));
  assert.ok(modules.length >= 16, `found only ${modules.length} modules`);
  const missing = modules.filter((m) => {
    const suite = new URL(`${m}.test.ts`, SUITES);
    return !existsSync(suite) || !readFileSync(suite, 'utf8').includes('forEachEngine(');
  });
  assert.deepEqual(missing, [], `add test/integration/db/<module>.test.ts using forEachEngine for: ${missing.join(', ')}`);
});
