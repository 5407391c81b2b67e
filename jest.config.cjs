/**
 * One Jest run covers every project of the monorepo (`npm test`). Spec suffixes say what a test needs:
 * `.unit.spec.ts` nothing, `.int.spec.ts` real servers/files (NATS is started by the global setup if absent),
 * `.e2e.spec.ts` the whole system.
 */
const fs = require('node:fs');
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

// tsconfig paths -> Jest module names (`@hangar/services/*` becomes a capture group).
const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  const from = '^' + alias.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '(.*)') + '$';
  moduleNameMapper[from] = '<rootDir>/' + target.replace('*', '$1');
}

// ESM-only dependencies (got and its family) must be compiled to CommonJS for Jest; find them instead of listing them.
function esmPackages(dir) {
  const found = [];
  if (!fs.existsSync(dir)) return found;
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const names = name.startsWith('@') ? fs.readdirSync(path.join(dir, name)).map((n) => `${name}/${n}`) : [name];
    for (const pkg of names) {
      try {
        const json = JSON.parse(fs.readFileSync(path.join(dir, pkg, 'package.json'), 'utf8'));
        if (json.type === 'module') found.push(pkg);
      } catch {
        /* not a package */
      }
    }
  }
  return found;
}
const esm = esmPackages(path.join(__dirname, 'node_modules'));
const swcOptions = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcOptions.$schema;
swcOptions.module = { type: 'commonjs' };

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/deploy'].filter((p) => fs.existsSync(p.replace('<rootDir>', __dirname))),
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swcOptions, swcrc: false }] },
  transformIgnorePatterns: esm.length ? [`/node_modules/(?!(${esm.map((p) => p.replace('/', '\\/')).join('|')})/)`] : [],
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'node'],
  globalSetup: '<rootDir>/libs/testing/src/nats/jest-global-setup.ts',
  setupFiles: ['<rootDir>/libs/testing/src/jest-environment.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
  verbose: false,
};
