// Flat config: typescript-eslint's recommended rules on every TypeScript file in the repository.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import eslintConfigPrettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'plugin/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // Without a message, a failing assert.ok makes Node re-parse the test file to describe the
      // expression: on our tsx-loaded files that takes minutes at 100 % CPU instead of failing.
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='assert'][callee.property.name='ok'][arguments.length=1]",
          message: 'assert.ok needs a message (without one, Node takes minutes to describe a failure)',
        },
        {
          selector: "CallExpression[callee.name='assert'][arguments.length=1]",
          message: 'assert needs a message (without one, Node takes minutes to describe a failure)',
        },
      ],
    },
  },
  // Formatting is Prettier's (npm run format); no lint rule may disagree with it.
  eslintConfigPrettier
);
