import { InvalidSubject } from '../port/bus.errors';

/**
 * NATS subject rules, shared by every adapter so that the embedded bus accepts exactly what JetStream would:
 * dot-separated non-empty tokens, `*` matches one token, `>` (last token only) matches one or more.
 */
export function assertValidSubject(subject: string, { wildcards }: { wildcards: boolean }): void {
  if (!subject) throw new InvalidSubject(subject, 'empty');
  if (/\s/.test(subject)) throw new InvalidSubject(subject, 'contains white space');
  const tokens = subject.split('.');
  tokens.forEach((token, index) => {
    if (!token) throw new InvalidSubject(subject, 'empty token');
    const isWildcard = token === '*' || token === '>';
    if (isWildcard && !wildcards) throw new InvalidSubject(subject, 'wildcards are only allowed when subscribing');
    if (!isWildcard && /[*>]/.test(token)) throw new InvalidSubject(subject, `"${token}" mixes a wildcard with text`);
    if (token === '>' && index !== tokens.length - 1) throw new InvalidSubject(subject, '">" must be the last token');
  });
}

export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '>') return have.length > i;
    if (i >= have.length) return false;
    if (want[i] !== '*' && want[i] !== have[i]) return false;
  }
  return want.length === have.length;
}
