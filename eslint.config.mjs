import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-renderer/**',
      'release/**',
      'node_modules/**',
      'test-artifacts/**',
      '.electron-native/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Only src-main/electron may touch Electron: the core must run in plain Node.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only src-main/electron/ may import electron.' }] },
      ],
    },
  },
  {
    files: ['src-main/electron/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The renderer runs in a sandboxed page: no Node built-ins.
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to main only through the preload bridge.' }],
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'child_process', '**/src-main/db/**'],
              message: 'No Node APIs in the renderer.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer's build config runs in Node (it reads Node's list of built-ins to refuse them).
    files: ['src-renderer/vite.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The renderer talks to main only through the preload bridge.' }] },
      ],
    },
  },
  {
    // The contract is imported by the renderer: zod and its own files only, never engine or Node code.
    files: ['src-main/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$|\\./)',
              message:
                'src-main/contract/ may import only zod and its own files; main-process code belongs in src-main/operations/.',
            },
          ],
        },
      ],
    },
  },
);
