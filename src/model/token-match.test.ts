import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { couldMatchAfterPrefix, matchSequence } from './token-match.js';
import { GLOBSTAR } from './token-pattern.js';
import type { TokenPattern } from './token-pattern.js';

function lit(text: string): TokenPattern {
  return { kind: 'literal', source: text, test: (t) => t === text };
}

/** Plain recursive definition of `**` matching, the reference for the fast algorithm. */
function reference(pats: readonly TokenPattern[], toks: readonly string[]): boolean {
  const [p, ...ps] = pats;
  if (p === undefined) return toks.length === 0;
  if (p.kind === 'globstar') {
    return reference(ps, toks) || (toks.length > 0 && reference(pats, toks.slice(1)));
  }
  return toks.length > 0 && p.test(toks[0] as string) && reference(ps, toks.slice(1));
}

const patArb = fc.array(fc.constantFrom<TokenPattern>(GLOBSTAR, lit('a'), lit('b')), {
  maxLength: 6,
});
const toksArb = fc.array(fc.constantFrom('a', 'b'), { maxLength: 7 });

void describe('matchSequence', () => {
  void it('agrees with the recursive definition', () => {
    fc.assert(
      fc.property(patArb, toksArb, (pats, toks) => {
        assert.equal(matchSequence(pats, toks), reference(pats, toks));
      }),
      { numRuns: 5000 },
    );
  });

  void it('handles a sub-range of the tokens', () => {
    assert.equal(matchSequence([lit('b'), GLOBSTAR], ['a', 'b', 'c', 'd'], 1, 3), true);
    assert.equal(matchSequence([lit('b')], ['a', 'b', 'c'], 1, 3), false);
  });
});

void describe('couldMatchAfterPrefix', () => {
  void it('is true exactly when some non-empty continuation matches', () => {
    fc.assert(
      fc.property(patArb, toksArb, (pats, toks) => {
        // Continuations over {a, b} up to the pattern length are enough to find a witness.
        const tails: string[][] = [];
        const grow = (t: string[]): void => {
          if (t.length > 0) tails.push(t);
          if (t.length < pats.length) for (const c of ['a', 'b']) grow([...t, c]);
        };
        grow([]);
        const expected = tails.some((t) => reference(pats, [...toks, ...t]));
        assert.equal(couldMatchAfterPrefix(pats, toks), expected);
      }),
      { numRuns: 2000 },
    );
  });
});
