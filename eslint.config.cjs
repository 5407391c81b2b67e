/**
 * Lint enforces the architecture (see docs/architecture.md):
 * - the domain is pure: it imports only contracts, and no framework, I/O or Node built-in;
 * - apps never import apps; services never import other services; adapters never import services;
 * - the testing library is for specs only.
 */
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const productionConstraints = [
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'], allowedExternalImports: [] },
  { sourceTag: 'type:config', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra'] },
  { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:config'] },
  { sourceTag: 'type:wiring', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:config', 'type:application'] },
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:config', 'type:application', 'type:wiring'] },
  { sourceTag: 'type:system', onlyDependOnLibsWithTags: ['type:contracts', 'type:config', 'type:infra', 'type:application', 'type:wiring', 'type:service'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:config', 'type:system'] },
  { sourceTag: 'type:deploy', onlyDependOnLibsWithTags: ['type:config'] },
  { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:contracts', 'type:config', 'type:infra', 'type:testing', 'type:system'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:config', 'type:application', 'type:wiring', 'type:system', 'type:testing'] },
];
// Specs may also use the testing library (but the domain's stay pure).
const specConstraints = productionConstraints.map((c) =>
  c.sourceTag === 'type:domain' || c.sourceTag === 'type:contracts'
    ? c
    : { ...c, onlyDependOnLibsWithTags: [...new Set([...c.onlyDependOnLibsWithTags, 'type:testing', 'type:service'])] },
);
const boundaries = (depConstraints) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints, banTransitiveDependencies: false },
];

module.exports = [
  { ignores: ['node_modules/**', 'dist/**', 'tmp/**', '.hangar/**', '.nx/**', 'bench/results/**'] },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(productionConstraints),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Build scripts and tool configs are CommonJS.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', setTimeout: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/testing/**/*.ts', 'bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(specConstraints) },
  },
  {
    // The domain decides; it does no I/O and knows no framework.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', 'fs', 'fs/*', 'http', 'https', 'net', 'child_process', 'crypto', '@nestjs/*', 'nats', 'better-sqlite3', 'minio', 'got', '@kurrent/*'], message: 'The domain is pure: no I/O, no framework.' }] },
      ],
    },
  },
];
