/**
 * The swc settings the build compiles with (`.swcrc` plus the tsconfig path aliases, which swc rewrites to relative
 * requires; swc wants an absolute baseUrl, so the settings are made here rather than committed). Shared by
 * `scripts/build.cjs` and `scripts/ts-worker.cjs`, so that the tests' worker threads run what the build would.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

function swcConfig(root) {
  const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
  const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));
  swcrc.jsc.baseUrl = root;
  swcrc.jsc.paths = compilerOptions.paths;
  return swcrc;
}

module.exports = { swcConfig };
