import { parseArgs } from 'node:util';
import { verifyExport } from './audit/verify-export.command';
import { verifyStore } from './audit/verify-store.command';
import { UsageError, type CliIo, type ExitCode } from './cli-io';

export const USAGE = `Usage: hangar <command>

  audit verify [--data-dir <dir>] [--api <url>]
      Check every hash chain of the event store and name the first broken link. Without --api, opens the store the
      environment configures (HANGAR_DATA_DIR, default ./.hangar; HANGAR_EVENT_STORE, NATS_URL, KURRENTDB_URL);
      with --api, asks a running Hangar (admin token in HANGAR_ADMIN_TOKEN).
  audit verify-export <file.jsonl | ->
      Check an export of GET /v1/projects/:id/audit-export offline.

Exit status: 0 verified, 1 a broken link (named on stdout and stderr), 2 the command could not run.
`;

/** Hangar's command line (apps/cli): one function per command, so that tests run them in-process. */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'data-dir': { type: 'string' }, api: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const [group, command, ...rest] = positionals;
    if (group === 'audit' && command === 'verify' && rest.length === 0) return await verifyStore({ dataDir: values['data-dir'], api: values.api }, io);
    if (group === 'audit' && command === 'verify-export' && rest.length === 1) return await verifyExport(rest[0]!, io);
    throw new UsageError(`unknown command: ${positionals.join(' ') || '(none)'}`);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n${usage ? `\n${USAGE}` : ''}`);
    return 2;
  }
}
