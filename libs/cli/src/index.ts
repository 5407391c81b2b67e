export { runCli, USAGE } from './cli';
export type { CliIo, ExitCode } from './cli-io';
