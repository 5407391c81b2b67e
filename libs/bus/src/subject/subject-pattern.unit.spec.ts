import { InvalidSubject } from '../port/bus.errors';
import { assertValidSubject, subjectMatches } from './subject-pattern';

describe('subjectMatches', () => {
  it.each([
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
    ['a.*', 'a.b', true],
    ['a.*', 'a', false],
    ['a.*', 'a.b.c', false],
    ['a.*.c', 'a.b.c', true],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c', true],
    ['a.>', 'a', false],
    ['>', 'a', true],
    ['*', 'a.b', false],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('assertValidSubject', () => {
  it.each(['', 'a..b', 'a b', 'a.b*', 'a.>.b', '.a'])('rejects "%s"', (subject) => {
    expect(() => assertValidSubject(subject, { wildcards: true })).toThrow(InvalidSubject);
  });

  it('accepts wildcards only where asked', () => {
    expect(() => assertValidSubject('a.*.>', { wildcards: true })).not.toThrow();
    expect(() => assertValidSubject('a.*', { wildcards: false })).toThrow(InvalidSubject);
  });
});
