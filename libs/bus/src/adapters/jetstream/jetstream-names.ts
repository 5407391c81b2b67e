import { createHash } from 'node:crypto';
import { assertValidSubject } from '../../subject/subject-pattern';

/**
 * Where the bus lives on a NATS server shared by several deployments and test runs: everything under `<prefix>.`,
 * durable messages in one stream per prefix.
 */
export class JetStreamNames {
  readonly stream: string;

  constructor(readonly prefix: string) {
    assertValidSubject(prefix, { wildcards: false });
    this.stream = `${toNameToken(prefix).toUpperCase()}_BUS`;
  }

  get streamSubjects(): string {
    return `${this.prefix}.bus.>`;
  }

  durable(subject: string): string {
    return `${this.prefix}.bus.${subject}`;
  }

  rpc(subject: string): string {
    return `${this.prefix}.rpc.${subject}`;
  }

  fanout(subject: string): string {
    return `${this.prefix}.fanout.${subject}`;
  }

  /** The relative subject of a message received on one of the scoped subjects. */
  relative(scopedSubject: string, kind: 'bus' | 'rpc' | 'fanout'): string {
    const scope = `${this.prefix}.${kind}.`;
    return scopedSubject.startsWith(scope) ? scopedSubject.slice(scope.length) : scopedSubject;
  }

  /**
   * The durable consumer of a group on a subject pattern. Deterministic, so that a restarted process binds to the
   * consumer it left (and gets what was published meanwhile); readable, with a hash of the exact pair because the
   * readable part loses `.`, `*` and `>` (which names may not contain) and is shortened.
   */
  consumer(group: string, subject: string): string {
    const readable = `${toNameToken(group)}__${toNameToken(subject.replace(/\*/g, 'any').replace(/>/g, 'all'))}`.slice(0, 48);
    const hash = createHash('sha256').update(`${group}\u0000${subject}`).digest('hex').slice(0, 10);
    return `${readable}_${hash}`;
  }
}

/** Stream and consumer names: letters, digits, `-` and `_` only (no `.`, wildcards, spaces or path separators). */
function toNameToken(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}
