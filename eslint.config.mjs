import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'coverage/', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Layout is prettier's (npm run format); eslint keeps to correctness.
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Workflow code is bundled into a deterministic sandbox: no Node APIs, no I/O libraries, no zod.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code must not use Node APIs.' },
            {
              group: ['../activities/*', '../../activities/*', '../api/*', '../../api/*'],
              allowTypeImports: true,
              message: 'Workflows import only activity types.',
            },
          ],
          paths: [
            ...['fs', 'path', 'crypto', 'os', 'child_process', 'http', 'https', 'net', 'tls'].map((name) => ({
              name,
              message: 'Workflow code must not use Node APIs.',
            })),
            ...['zod', 'pino', 'fastify', 'pkijs', 'asn1js', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map(
              (name) => ({ name, message: 'Not allowed in the workflow bundle (TEMPORAL-NOTES.md).' }),
            ),
            { name: '../activities', allowTypeImports: true, message: 'Import activity types only.' },
            { name: '../../activities', allowTypeImports: true, message: 'Import activity types only.' },
          ],
        },
      ],
    },
  },
  {
    // Everything outside workflows/ sees the vocabulary and the message definitions, nothing of the frame or the steps.
    files: ['activities/**/*.ts', 'api/**/*.ts', 'worker/**/*.ts', 'edge/**/*.ts', 'config/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows/*', '!**/workflows/vocabulary', '!**/workflows/messages'],
              message: 'Import workflows/vocabulary or workflows/messages only (the worker bundles workflows/ by path).',
            },
          ],
        },
      ],
    },
  },
);
