import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@hangar/config';

/**
 * No Docker engine runs here, so the deployment files are checked by reading them: every service has a container
 * running its own entry point, every container's environment is a valid distributed configuration, and the image
 * runs what the build produces.
 */
const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; image?: string; build?: { dockerfile: string } }>;
};
// Every service's app; `hangar` runs them all in one process, and `cli` is a tool that runs where it is needed.
const apps = readdirSync(join(root, 'apps')).filter((a) => a !== 'hangar' && a !== 'cli');

describe('docker-compose.yml', () => {
  it.each(apps)('runs the %s app in a container of its own', (app) => {
    const runs = Object.entries(compose.services).filter(([, s]) => s.command?.join(' ') === `node dist/apps/${app}/src/main.js`);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(root, 'apps', app, 'src', 'main.ts'))).toBe(true);
  });

  it('gives every Hangar container a valid distributed configuration', () => {
    const hangar = Object.entries(compose.services).filter(([, s]) => s.command?.[1]?.startsWith('dist/apps/'));
    expect(hangar.length).toBeGreaterThanOrEqual(apps.length);
    for (const [name, service] of hangar) {
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{(\w+):-([^}]*)\}/g, '$2')]));
      const config = loadConfig(env, 'distributed');
      expect({ name, store: config.eventStore, bus: config.bus, blobs: config.blobStore.kind }).toEqual({ name, store: 'jetstream', bus: 'nats', blobs: 's3' });
      expect(config.natsUrl).toBe('nats://nats:4222');
      // Containers do not share a data dir: a generated key would differ between ingest and the dispatcher.
      expect(config.secretKey).toEqual(expect.any(String));
    }
  });

  it('has one worker agent per region', () => {
    const regions = Object.values(compose.services)
      .filter((s) => s.command?.join(' ') === 'node dist/apps/worker-agent/src/main.js')
      .map((s) => s.environment?.HANGAR_WORKER_REGION);
    expect(regions.sort()).toEqual(['asia-pacific', 'europe', 'us-east-1']);
  });

  it('builds every Hangar image from deploy/Dockerfile', () => {
    for (const service of Object.values(compose.services).filter((s) => s.command?.[1]?.startsWith('dist/apps/'))) {
      expect(service.build?.dockerfile).toBe('deploy/Dockerfile');
    }
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
  it('builds with the same scripts as a developer and runs the embedded app by default', () => {
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toContain('CMD ["node", "dist/apps/hangar/src/main.js"]');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toBe('node scripts/build.cjs');
  });
});

describe('deploy/nats.conf', () => {
  it('enables JetStream with an fsync on every write', () => {
    const conf = readFileSync(join(root, 'deploy', 'nats.conf'), 'utf8');
    expect(conf).toMatch(/jetstream\s*{[^}]*store_dir/);
    expect(conf).toMatch(/sync_interval:\s*always/);
  });
});
