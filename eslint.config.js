// ESLint (flat config): typescript-eslint's recommended rules, type-aware where a mistake is
// silent (a promise nobody awaits, a promise where a callback's void was expected, a switch that
// forgets a case), and no import cycle in src/. Prettier owns the formatting.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-*/', 'coverage/', '.tools/', 'node_modules/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Express 5 awaits a handler's promise and sends its rejection to the error handler: an
      // async handler where Express expects a void-returning one is intended.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver()],
      // The files an import leads to are TypeScript: parsed as such to follow their imports.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Data flows one way: the store knows no queue, sink or page; the outbox knows no sink or fetch
      // (forward/ and fetch/ register their queues with it).
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/store',
              from: ['./src/outbox', './src/forward', './src/fetch', './src/http', './src/admin', './src/console', './src/cli'],
            },
            { target: './src/outbox', from: ['./src/forward', './src/fetch', './src/http', './src/admin', './src/console', './src/cli'] },
          ],
        },
      ],
    },
  },
);
