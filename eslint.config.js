import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.optgate/', 'test-output/', 'functions/console/app/dist/', 'functions/console/app/dist-*/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // zod/mini through shared/validation/zod.ts, which configures the English messages (see there).
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['shared/validation/zod.ts', 'functions/console/app/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['zod', 'zod/*'], message: 'Import zod from shared/validation/zod.ts (zod/mini with its English messages configured).' }] },
      ],
    },
  },
  {
    // The console's web app is built alone (infra/tools/build-console.ts fingerprints only its folder):
    // from the rest of the repository it may import types, never code.
    files: ['functions/console/app/src/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/shared/**', '**/infra/**', '**/functions/**'], allowTypeImports: true, message: 'The console imports only types from the rest of the repository.' }] },
      ],
    },
  },
);
