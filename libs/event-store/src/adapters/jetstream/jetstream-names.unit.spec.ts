import { escapeSubjectToken, jetStreamNames, unescapeSubjectToken } from './jetstream-names';

describe('jetStreamNames', () => {
  it('derives stream, subjects and bucket from the prefix', () => {
    const names = jetStreamNames('hangar');
    expect(names).toMatchObject({ stream: 'HANGAR_EVENTS', subjects: 'hangar.es.>', checkpointBucket: 'hangar_checkpoints' });
    expect(names.subjectOf('build-65f0c0ffee')).toBe('hangar.es.build-65f0c0ffee');
  });

  it('sanitises a prefix that is not a valid name', () => {
    expect(jetStreamNames('acme.hangar prod').stream).toBe('ACME_HANGAR_PROD_EVENTS');
    expect(jetStreamNames('acme.hangar prod').subjects).toBe('acme_hangar_prod.es.>');
    expect(() => jetStreamNames('..')).toThrow(/no letter or digit/);
  });

  it.each(['build-1', 'a.b', 'a*b', 'a>b', 'a b\tc', 'a%2Eb', 'ünï.cödé', 'a\u0000b'])(
    'escapes %j into one reversible subject token',
    (name) => {
      const token = escapeSubjectToken(name);
      expect(token).not.toMatch(/[.*>\s]/);
      expect(unescapeSubjectToken(token)).toBe(name);
    },
  );

  it('refuses an empty stream name', () => {
    expect(() => escapeSubjectToken('')).toThrow(/empty/);
  });
});
