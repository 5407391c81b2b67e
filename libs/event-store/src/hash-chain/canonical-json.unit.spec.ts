import { canonicalJson } from './canonical-json';

describe('canonicalJson (RFC 8785 for JSON values)', () => {
  it('sorts keys by UTF-16 code units at every depth, writes no whitespace and leaves out undefined members', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: 'x', é: true, B: undefined, '\u20ac': 1, '\ud83d\ude00': 2 })).toBe(
      '{"a":"x","b":[3,{"a":null,"z":1}],"é":true,"€":1,"😀":2}',
    );
  });

  it("writes numbers and strings as ECMAScript's JSON.stringify does, as RFC 8785 prescribes", () => {
    expect(canonicalJson([1.0, -0, 1e21, 0.000001, 1e-7, 'a"\n\u0001'])).toBe('[1,0,1e+21,0.000001,1e-7,"a\\"\\n\\u0001"]');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
  });
});
