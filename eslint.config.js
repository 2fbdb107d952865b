// ESLint flat config: typescript-eslint with type information (floating promises are real bugs in a
// server), Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.cjs', 'scripts/**', 'deploy/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The web UI runs in the browser (ui/tsconfig.json: DOM lib, no Node types). API answers are
    // JSON of Vault's shapes, read defensively, so `any` member access is allowed there as in src.
    files: ['ui/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', 'localStorage', 'process', 'require'],
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'build nodes with dom.ts (h/replace): text never becomes markup' },
        { property: 'outerHTML', message: 'build nodes with dom.ts' },
        { object: 'window', property: 'localStorage', message: 'no secret is kept in local storage' },
        { object: 'document', property: 'write', message: 'no document.write' },
      ],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
