import { Logger } from '@nestjs/common';
import type { Stoppable } from './service-runner';
import { growHeapInFixedSteps } from './heap-growth';

/** Run until SIGINT/SIGTERM, then stop cleanly (a second signal exits at once). Exit 1 if start-up fails. */
/**
 * libuv's thread pool is sized once, at its first use, which comes after this (imports do synchronous I/O only). One
 * ingest keeps file writes, chunk puts and flushes, inflate and hashing in the pool at once; on the default four
 * threads they queue behind each other (a flush holds its thread for its whole wait).
 */
const THREAD_POOL_SIZE = '16';

export function runUntilSignalled(name: string, start: () => Promise<Stoppable>): void {
  process.env.UV_THREADPOOL_SIZE ??= THREAD_POOL_SIZE;
  growHeapInFixedSteps();
  const logger = new Logger(name);
  start().then(
    (running) => {
      // Scripts and tests wait for this line, whatever the log level.
      process.stdout.write(`${name} ready\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        logger.log(`${signal}: stopping`);
        running.close().then(
          () => process.exit(0),
          (error) => {
            logger.error(error);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    },
    (error) => {
      logger.error(`failed to start: ${(error as Error)?.stack ?? String(error)}`);
      process.exit(1);
    },
  );
}
