import type { ChainVerification } from '@hangar/event-store';
import type { CliIo, ExitCode } from '../cli-io';

/** The verification as JSON on stdout, a one-line verdict on stderr; exit status 1 when a link is broken. */
export function printVerification(verification: ChainVerification, io: CliIo): ExitCode {
  io.stdout(`${JSON.stringify(verification, null, 2)}\n`);
  const link = verification.brokenLink;
  if (link) {
    io.stderr(
      `BROKEN: ${link.stream} revision ${link.revision} (position ${link.position}, event ${link.eventId}): ` +
        `${link.problem} expected ${link.expected ?? 'none'}, found ${link.found ?? 'none'}\n`,
    );
    return 1;
  }
  const unsealed = verification.unsealedStreamCount ? `; ${verification.unsealedStreamCount} stream(s) hold only events stored before hashing` : '';
  io.stderr(`OK: ${verification.events} events in ${verification.streams} streams verified${unsealed}\n`);
  return 0;
}
