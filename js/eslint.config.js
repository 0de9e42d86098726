// ESLint for the package (src/, test/, bench/) and the demo's page
// (web-demo/static/): the recommended rules, for code that runs in
// browsers, workers and Node. Run from the repository root with
// `js/node_modules/.bin/eslint -c js/eslint.config.js js web-demo/static`
// (scripts/lint.sh).
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['**/dist/', '**/node_modules/'] },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.worker, ...globals.node },
    },
    rules: {
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
];
