// Lint: the determinism rule for workflow code (as Temporal's samples do, but over every workflow
// file in the repo), no import cycles, floating promises, type-only imports, strict equality.
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'bench/results/**', 'test/contract/go/**', '.data/**', 'schema/migrations/**', '*.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // A cycle makes load order matter and hides which module depends on which.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      // no-cycle reads each imported file: it needs to know .ts files are code and how to parse them.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Tests read whatever JSON came back.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code is replayed: no Node built-ins, no I/O, nothing but the SDK and other workflow
    // files. The benchmarks' no-op twin and the replay test's altered fixture are workflow code too.
    files: ['workflows/**/*.ts', 'bench/*workflows*.ts', 'test/**/fixtures/*workflows*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins (use an activity).' })),
          patterns: [
            {
              regex: '^(?!@temporalio/(workflow|common)$|\\./|\\.\\./activities$|(\\.\\./)+workflows/)',
              message: 'Workflow files import only @temporalio/workflow, @temporalio/common and other workflow files (activities as types only).',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: '../activities', allowTypeImports: true, message: 'Import activities into workflows as types only.' }] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'No process.env in workflow code: pass settings in the workflow input.' }, { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }],
    },
  },
);
