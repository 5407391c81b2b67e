import { Logger } from '@nestjs/common';
import type { Stoppable } from './service-runner';

/** Run until SIGINT/SIGTERM, then stop cleanly (a second signal exits at once). Exit 1 if start-up fails. */
export function runUntilSignalled(name: string, start: () => Promise<Stoppable>): void {
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
