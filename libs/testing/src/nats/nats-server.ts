import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** The NATS server the tests share (the machine's, or the one the global setup started). */
export function testNatsUrl(): string {
  return process.env.NATS_URL ?? DEFAULT_NATS_URL;
}

/**
 * A unique subject prefix (and stream/consumer/bucket name stem) per test: tests share one server and must neither
 * see each other nor collide when run twice. Lower-case letters and digits only, valid everywhere NATS names go.
 */
export function uniquePrefix(stem = 't'): string {
  return `${stem}${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export function isReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url.replace(/^nats:/, 'http:'));
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 4222) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Find the `nats-server` binary, installing Debian's package when it is missing (a fresh machine). */
export function natsServerBinary(): string {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim();
  } catch {
    /* not on PATH: install it */
  }
  process.stderr.write('nats-server not found: installing it with apt-get (Debian package nats-server)\n');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server'], {
    stdio: 'inherit',
  });
  return natsServerBinary();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface NatsServerProcess {
  url: string;
  port: number;
  storeDir: string;
  process: ChildProcess;
  /** SIGKILL: the abrupt end a crash test wants. */
  kill(): Promise<void>;
  /** SIGTERM and remove the store directory. */
  stop(): Promise<void>;
  /** Start again on the same port and store (after kill), keeping JetStream data. */
  restart(): Promise<NatsServerProcess>;
}

/**
 * Start a nats-server with JetStream on loopback. With no port, a free one is chosen: tests that kill or restart
 * NATS use their own server so that the shared one is never disturbed.
 */
export async function startNatsServer(options: { port?: number; storeDir?: string; detached?: boolean } = {}): Promise<NatsServerProcess> {
  const binary = natsServerBinary();
  const port = options.port ?? (await freePort());
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'hangar-nats-'));
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: 'ignore',
    detached: options.detached ?? false,
  });
  if (options.detached) child.unref();
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (!(await isReachable(url, 300))) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`nats-server did not answer on ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = () => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  const handle: NatsServerProcess = {
    url,
    port,
    storeDir,
    process: child,
    async kill() {
      child.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child.kill('SIGTERM');
      await exited();
      rmSync(storeDir, { recursive: true, force: true });
    },
    restart: () => startNatsServer({ port, storeDir }),
  };
  return handle;
}

/**
 * Make sure a NATS server with JetStream answers at NATS_URL (default 127.0.0.1:4222); on a fresh machine, install
 * and start one on loopback, detached so that it outlives the test run's setup.
 */
export async function ensureNatsServer(): Promise<string> {
  const url = testNatsUrl();
  if (await isReachable(url)) return url;
  const { hostname, port } = new URL(url.replace(/^nats:/, 'http:'));
  if (hostname !== '127.0.0.1' && hostname !== 'localhost') {
    throw new Error(`NATS_URL=${url} does not answer, and only a loopback server can be started here`);
  }
  process.stderr.write(`no NATS server answers at ${url}: starting one on loopback\n`);
  await startNatsServer({ port: Number(port || 4222), storeDir: mkdtempSync(join(tmpdir(), 'hangar-nats-ci-')), detached: true });
  return url;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
