/**
 * Runs a TypeScript worker-thread entry from the sources (`workerData.entry`), as the tests need: Jest compiles the
 * files it loads itself, but a worker thread is a fresh isolate that Jest never sees. Each `.ts` file required here
 * is compiled with swc and the build's settings (`scripts/swc-config.cjs`: path aliases become relative requires).
 * Production runs the compiled `.js` entries directly and never loads this.
 */
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { workerData } = require('node:worker_threads');
const { transformSync } = require('@swc/core');
const { swcConfig } = require('./swc-config.cjs');

const swcrc = swcConfig(resolve(__dirname, '..'));
delete swcrc.$schema;
swcrc.sourceMaps = 'inline';

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swcrc, filename, swcrc: false, configFile: false });
  module._compile(code, filename);
};

require(workerData.entry);
