// Lint and format in one tool: neostandard (the Fastify ecosystem's style) plus typed rules that
// catch the bugs this codebase is most exposed to (un-awaited postgres.js queries never run).
import neostandard, { plugins } from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'data/**', 'coverage/**', 'web/dist/**'] }),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    plugins: { '@typescript-eslint': plugins['typescript-eslint'].plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's test() returns a promise the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }]
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // `void promise` marks a deliberately un-awaited promise (required by no-floating-promises).
      'no-void': ['error', { allowAsStatement: true }],
      // TypeBox convention: a schema value and its Static type share one name.
      '@typescript-eslint/no-redeclare': 'off'
    }
  }
]
