import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { HangarApiClient, freePort } from '@hangar/testing';

export interface HangarProcess {
  child: ChildProcess;
  api: HangarApiClient;
  /** The admin token the process was started with. */
  adminToken: string;
  stop(): Promise<void>;
}

/** Hangar in embedded mode, as `npm start` runs it (`node --max-semi-space-size=2 dist/apps/hangar/src/main.js`), with its own data dir. */
export async function startHangar(root: string, dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = benchNodeArgs()): Promise<HangarProcess> {
  const port = await freePort();
  const adminToken = 'bench';
  const child = spawn(process.execPath, ['--max-semi-space-size=2', ...nodeArgs, join(root, 'dist/apps/hangar/src/main.js')], {
    env: { ...process.env, PORT: String(port), HANGAR_DATA_DIR: dataDir, HANGAR_ADMIN_TOKEN: adminToken, HANGAR_ALLOW_PRIVATE_NETWORKS: 'true', HANGAR_LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('hangar ready') && resolve());
      child.once('exit', (code) => reject(new Error(`hangar exited with ${code}`)));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, api: new HangarApiClient(`http://127.0.0.1:${port}`), adminToken, stop };
}

/**
 * BENCH_HANGAR_NODE_ARGS: extra Node options for the measured process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to
 * see where its time goes (NODE_OPTIONS refuses --cpu-prof).
 */
function benchNodeArgs(): string[] {
  return nodeArgsFrom(process.env.BENCH_HANGAR_NODE_ARGS);
}

/** Node options written on one line, space-separated (`--trace-gc --cpu-prof`). */
export function nodeArgsFrom(line: string | undefined): string[] {
  return (line ?? '').split(' ').filter(Boolean);
}
