import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * A Hangar app running as its own process (`node dist/apps/<app>/src/main.js`), as in distributed mode. Output is
 * kept in memory and shown when a test fails.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  output = '';

  constructor(
    readonly name: string,
    readonly app: string,
    private readonly env: Record<string, string>,
    private readonly root: string,
  ) {}

  /** The bound is for a hang, not for slowness: seven apps loading at once on a busy 2-core machine took 20 s. */
  async start(timeoutMs = 90_000): Promise<this> {
    const child = spawn(process.execPath, [join(this.root, 'dist', 'apps', this.app, 'src', 'main.js')], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.output.includes(`${this.app} ready`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${signal ?? code}) before it was ready:\n${this.output}`));
      });
    });
    try {
      await ready;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return this;
  }

  /** SIGKILL: no shutdown hooks, no acks — the crash a resumable service must survive. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
