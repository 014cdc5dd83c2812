/**
 * What each RPC service binary loads at run time, found by following the static and
 * dynamic imports of its entry module (type-only imports are erased, so they are not
 * followed). A compute host must not load the API layer.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Relative specifiers a module imports at run time. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) specs.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs.filter((s) => s.startsWith('.'));
}

/** Every module of the repo that loading `entry` loads, as paths relative to the repo. */
function moduleGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length) {
    const file = pending.pop() as string;
    const name = relative(ROOT, file);
    if (seen.has(name)) continue;
    seen.add(name);
    for (const spec of runtimeImports(file)) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      assert.ok(existsSync(target), `${name} imports ${spec}, which does not exist`);
      pending.push(target);
    }
  }
  return seen;
}

const RPC_SERVICES = ['nova-compute', 'nova-conductor', 'nova-scheduler', 'nova-network', 'nova-cert', 'nova-consoleauth'];

for (const binary of RPC_SERVICES) {
  test(`${binary} loads no module of src/api`, () => {
    const graph = moduleGraph(`src/cmd/${binary}.ts`);
    assert.ok(graph.has('src/compute/manager/build.ts'), 'the walk reaches the compute manager');
    assert.deepEqual(
      [...graph].filter((m) => m.startsWith('src/api/')),
      [],
    );
  });
}

test('nova-api does load src/api, so the walk can see it', () => {
  const graph = moduleGraph('src/cmd/nova-api.ts');
  assert.ok(graph.has('src/api/openstack/compute/servers.ts'));
});
