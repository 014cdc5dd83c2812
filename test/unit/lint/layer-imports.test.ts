/**
 * The layer import rules of eslint.config.js, run through ESLint's Node API with the
 * project's own configuration, as `npm run lint` runs them. Each snippet is linted in
 * place of an existing module of the layer under test (the type-aware parser only
 * accepts files the tsconfig knows); the file on disk is neither read nor changed.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('layer import rules', () => {
  let eslint: ESLint;

  before(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  /** The layer-rule messages ESLint reports for `code` as if it were the file at `path`. */
  async function layerErrors(path: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
    assert.ok(result, 'ESLint returned no result');
    const fatal = result.messages.filter((m) => m.fatal);
    assert.deepEqual(fatal, [], 'the snippet must parse');
    return result.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
  }

  test('an API module that imports db/ fails the lint', async () => {
    const errors = await layerErrors(
      'src/api/openstack/compute/flavors.ts',
      "import { flavorGetAll } from '../../../db/api/flavors.js';\nexport const f = flavorGetAll;\n",
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0] as string, /src\/api\/openstack\/compute\/flavors\.ts may not import src\/db\/api\/flavors\.js/);
  });

  test('type-only imports, re-exports and dynamic imports of db/ from the API fail too', async () => {
    const errors = await layerErrors(
      'src/api/errors.ts',
      [
        "import type { Db } from '../db/api/common.js';",
        "export type { Service } from '../db/types.js';",
        "export const load = () => import('../db/engine.js');",
        'export type D = Db;',
      ].join('\n'),
    );
    assert.equal(errors.length, 3);
  });

  test('an API module that imports a manager fails the lint', async () => {
    const errors = await layerErrors(
      'src/api/openstack/compute/flavors.ts',
      [
        "import { ComputeManager } from '../../../compute/manager.js';",
        "import { buildInstance } from '../../../compute/manager/build.js';",
        "import { NetworkManager } from '../../../network/manager.js';",
        'export const all = [ComputeManager, buildInstance, NetworkManager];',
      ].join('\n'),
    );
    assert.equal(errors.length, 3);
  });

  test('an API module may import compute/api and the compute-side services', async () => {
    const errors = await layerErrors(
      'src/api/openstack/compute/flavors.ts',
      [
        "import { ComputeAPI } from '../../../compute/api/index.js';",
        "import { FlavorAPI } from '../../../compute/flavors.js';",
        "import { isUuidLike } from '../../../common/uuid.js';",
        'export const all = [ComputeAPI, FlavorAPI, isUuidLike];',
      ].join('\n'),
    );
    assert.deepEqual(errors, []);
  });

  test('a virt module that imports db/ or rpc/ fails the lint', async () => {
    const errors = await layerErrors(
      'src/virt/fake/driver.ts',
      [
        "import { instanceGetByUuid } from '../../db/api/instances.js';",
        "import { RpcClient } from '../../rpc/client.js';",
        'export const all = [instanceGetByUuid, RpcClient];',
      ].join('\n'),
    );
    assert.equal(errors.length, 2);
  });

  test('a db module that imports compute/, network/ or api/ fails the lint', async () => {
    const errors = await layerErrors(
      'src/db/api/flavors.ts',
      [
        "import { instanceName } from '../../compute/instance-name.js';",
        "import { NetworkAPI } from '../../network/api.js';",
        "import { MAX_API_VERSION } from '../../api/openstack/api-version.js';",
        'export const all = [instanceName, NetworkAPI, MAX_API_VERSION];',
      ].join('\n'),
    );
    assert.equal(errors.length, 3);
  });

  test('common/ may import only common/', async () => {
    const errors = await layerErrors(
      'src/common/uuid.ts',
      [
        "import { getLogger } from './log.js';",
        "import { opt } from '../config/registry.js';",
        'export const all = [getLogger, opt];',
      ].join('\n'),
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0] as string, /src\/config\/registry\.js/);
  });
});
