#!/usr/bin/env node
/**
 * `npm run start:distributed`: every service as its own process against NATS (NATS_URL, default
 * nats://127.0.0.1:4222), with one worker agent per region. Logs are prefixed with the service name; Ctrl-C stops
 * them all. In production run each `dist/apps/<service>/src/main.js` under your process manager instead (see
 * deploy/ and docker-compose.yml).
 */
const { spawn } = require('node:child_process');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const services = ['query', 'ingest', 'downloader', 'scanner', 'repository', 'distributor', 'webhook-dispatcher'];
const regions = (process.env.HANGAR_REGIONS || 'us-east-1,europe,asia-pacific').split(',').map((r) => r.trim()).filter(Boolean);
const dataDir = resolve(process.env.HANGAR_DATA_DIR || join(root, '.hangar-distributed'));

const children = [];
function run(name, app, extraEnv = {}) {
  // --max-semi-space-size=2: as `npm start` (docs/configuration.md, "Memory").
  const child = spawn(process.execPath, ['--max-semi-space-size=2', join(root, 'dist/apps', app, 'src/main.js')], {
    env: { ...process.env, HANGAR_DATA_DIR: dataDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    process.stdout.write(`[${name}] exited (${signal ?? code})\n`);
    if (!stopping) stopAll(1);
  });
  children.push(child);
}

let stopping = false;
function stopAll(code) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null))).then(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

for (const service of services) run(service, service);
for (const region of regions) {
  run(`worker-${region}`, 'worker-agent', {
    HANGAR_WORKER_ID: `worker-${region}-1`,
    HANGAR_WORKER_REGION: region,
    HANGAR_WORKER_DIR: join(dataDir, 'workers', region),
  });
}
