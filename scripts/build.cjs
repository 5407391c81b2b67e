#!/usr/bin/env node
/**
 * Compiles apps/, libs/ and bench/ to dist/ with swc (decorator metadata included, which NestJS needs), rewriting the
 * tsconfig path aliases (`@hangar/*`) to relative requires (settings: `scripts/swc-config.cjs`). Type checking is
 * `npm run typecheck` (tsc), not this.
 */
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { swcConfig } = require('./swc-config.cjs');

const root = resolve(__dirname, '..');
// A test that runs its own processes builds into a directory of its own (inside the repository, so that compiled
// files still find node_modules), instead of replacing dist/ under another test's running processes.
const out = process.env.HANGAR_BUILD_DIR ? resolve(root, process.env.HANGAR_BUILD_DIR) : join(root, 'dist');
const swcrc = swcConfig(root);
const dir = mkdtempSync(join(tmpdir(), 'hangar-swc-'));
const config = join(dir, '.swcrc');
writeFileSync(config, JSON.stringify(swcrc));
rmSync(out, { recursive: true, force: true });
try {
  execFileSync(
    process.execPath,
    [require.resolve('@swc/cli/bin/swc.js'), 'apps', 'libs', 'bench', '-d', out, '--config-file', config, '--ignore', '**/*.spec.ts', '--quiet'],
    { cwd: root, stdio: 'inherit' },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
