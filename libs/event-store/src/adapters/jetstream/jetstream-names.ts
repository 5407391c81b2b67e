import { InvalidInput } from '@hangar/contracts';

/** The JetStream names one deployment's event store and checkpoints use, all derived from its prefix. */
export interface JetStreamNames {
  /** The JetStream stream holding every event of the deployment, e.g. `HANGAR_EVENTS`. */
  stream: string;
  /** Subjects of that stream, e.g. `hangar.es.>`. */
  subjects: string;
  /** The KV bucket of checkpoints, e.g. `hangar_checkpoints`. */
  checkpointBucket: string;
  /** The KV bucket of leases, e.g. `hangar_leases`. */
  leaseBucket: string;
  /** The subject one event stream lives on, e.g. `hangar.es.build-65f0c0ffee`. */
  subjectOf(stream: string): string;
}

export function jetStreamNames(prefix: string): JetStreamNames {
  // Stream, bucket and subject-token names all accept [A-Za-z0-9_-]; anything else would be rejected or, for `.`,
  // change the subject hierarchy.
  const token = prefix.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!/[A-Za-z0-9]/.test(token)) throw new InvalidInput(`event store prefix "${prefix}" has no letter or digit`);
  const root = `${token}.es`;
  return {
    stream: `${token.toUpperCase()}_EVENTS`,
    subjects: `${root}.>`,
    checkpointBucket: `${token}_checkpoints`,
    leaseBucket: `${token}_leases`,
    subjectOf: (stream) => `${root}.${escapeSubjectToken(stream)}`,
  };
}

// `%` itself is escaped so that decoding is unambiguous; the others would split or wildcard the subject.
const UNSAFE_IN_SUBJECT_TOKEN = /[%.*>\s\p{Cc}]/gu;

/**
 * A stream name as one subject token: `.`, `*`, `>`, whitespace, control characters and `%` become `%XX` (UTF-8
 * bytes), so distinct names never share a subject and `unescapeSubjectToken` recovers the name.
 */
export function escapeSubjectToken(name: string): string {
  if (name.length === 0) throw new InvalidInput('a stream name must not be empty');
  return name.replace(UNSAFE_IN_SUBJECT_TOKEN, (character) =>
    [...Buffer.from(character, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

export function unescapeSubjectToken(token: string): string {
  return decodeURIComponent(token);
}
