/** Where a command writes and what it reads from its environment: a process's, or a test's. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A command's answer as the process's exit status: 0 done and fine, 1 done and found a problem, 2 not done. */
export type ExitCode = 0 | 1 | 2;

/** A command line the CLI cannot run (unknown command, missing argument): printed with the usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
