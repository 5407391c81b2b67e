import type { LogLevel } from '@nestjs/common';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** `HANGAR_LOG_LEVEL=warn` shows warn and worse (default `log`). */
export function logLevels(level = process.env.HANGAR_LOG_LEVEL || 'log'): LogLevel[] {
  const index = LEVELS.indexOf(level as LogLevel);
  return LEVELS.slice(0, index < 0 ? 4 : index + 1);
}
