import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { HashChainVerifier, type VerifiableEvent } from '@hangar/event-store';
import type { CliIo, ExitCode } from '../cli-io';
import { printVerification } from './print-verification';

/**
 * `hangar audit verify-export <file.jsonl | ->`: checks an audit export (`GET /v1/projects/:id/audit-export`)
 * offline, with nothing but the file: every stream in it must be whole (from revision 0) and every link must hold.
 */
export async function verifyExport(file: string, io: CliIo, stdin: Readable = process.stdin): Promise<ExitCode> {
  const input = file === '-' ? stdin : createReadStream(file, 'utf8');
  const verifier = new HashChainVerifier();
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber++;
    if (line.trim() === '') continue;
    if (verifier.check(exportedEvent(line, lineNumber))) break;
  }
  return printVerification(verifier.result(), io);
}

/** One line of an export: a stored event with its revision and position as decimal strings. */
function exportedEvent(line: string, lineNumber: number): VerifiableEvent {
  try {
    const event = JSON.parse(line) as Record<string, unknown>;
    return {
      id: String(event.id),
      stream: String(event.stream),
      type: String(event.type),
      revision: BigInt(String(event.revision)),
      position: BigInt(String(event.position)),
      data: event.data,
      metadata: (event.metadata ?? {}) as VerifiableEvent['metadata'],
    };
  } catch (error) {
    throw new Error(`line ${lineNumber} is not an exported event: ${String(error)}`);
  }
}
