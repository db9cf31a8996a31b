// ESLint for the whole repository, one flat config: typescript-eslint's and eslint-plugin-svelte's
// recommended rules. Formatting is Prettier's job (prettier.config.js): no stylistic rules here.
// Not type-aware: typescript-eslint's type-checked rules took 6 minutes on this repository on two
// cores (against under a minute without), for mostly `no-unsafe-*` findings on parsed JSON in tests.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './web/svelte.config.js';

export default ts.config(
  {
    // Built output, generated code and drizzle-kit's migrations.
    ignores: ['**/node_modules/', 'web/build/', '**/.svelte-kit/', 'server/src/storage/migrations/', 'test-results/', '.vitest-tmp/'],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // A leading underscore marks a parameter kept for its position (express's 4-argument error
      // handler) or its type (a brand's name); anything else unused is an error.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    // typescript-eslint turns prefer-const on for TypeScript files only (components have
    // svelte/prefer-const); `let { a, b } = …` where only b is reassigned later stays one statement.
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    rules: { 'prefer-const': ['error', { destructuring: 'all' }] },
  },
  {
    files: ['web/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // resolve() from $app/paths only matters with a base path; the app is always served at the
      // root of its origin (the express server mounts it there), so plain '/…' links are right.
      'svelte/no-navigation-without-resolve': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        parser: ts.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  {
    files: ['**/*.test.ts', 'test/**'],
    rules: {
      // Tests read JSON responses loosely; a body of the wrong shape fails the assertion anyway.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
