// Biome covers style and most correctness rules; eslint is here for typescript-eslint's
// type-aware promise rules, which Biome does not have, and for the layer import rules,
// which need each specifier resolved against the importing file. Tests and benches are
// held to the promise rules too: a floating promise in a test is a check that never runs.
import tseslint from 'typescript-eslint';
import layers from './scripts/eslint/layer-imports.js';

/**
 * What may not import what. A request flows down api → compute/api → rpc client →
 * manager → driver; db/ and common/ sit below, and no layer imports one above it.
 */
export const LAYER_RULES = [
  {
    from: 'src/api/**',
    forbid: ['src/db/**'],
    because: 'the API reads and writes data through compute/ (compute/api and the compute-side services)',
  },
  {
    from: 'src/api/**',
    forbid: ['src/**/manager*', 'src/**/manager*/**'],
    because: 'the API reaches managers only over RPC, through compute/api',
  },
  {
    from: 'src/virt/**',
    forbid: ['src/db/**', 'src/rpc/**'],
    because: 'a driver receives plain data and returns plain data',
  },
  {
    from: 'src/db/**',
    forbid: ['src/api/**', 'src/compute/**', 'src/network/**'],
    because: 'db/ sits below them; what they share with it lives in common/',
  },
  {
    from: 'src/common/**',
    forbid: ['src/**'],
    allow: ['src/common/**'],
    because: 'common/ is the bottom layer that every other imports',
  },
];

export default tseslint.config(
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { layers },
    rules: { 'layers/imports': ['error', LAYER_RULES] },
  },
);
