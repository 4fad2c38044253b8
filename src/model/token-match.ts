import type { TokenPattern } from './token-pattern.js';

/**
 * Match token patterns against a token sequence. Every pattern but `**`
 * consumes exactly one token, so the greedy wildcard algorithm with one
 * backtrack point (the last `**` seen) is exact and runs in O(n·m) at worst,
 * without recursion or allocation.
 */
export function matchSequence(
  pats: readonly TokenPattern[],
  toks: readonly string[],
  from = 0,
  to = toks.length,
): boolean {
  let pi = 0;
  let ti = from;
  let starP = -1;
  let starT = from;
  while (ti < to) {
    const p = pats[pi];
    if (p !== undefined && p.kind === 'globstar') {
      starP = pi;
      pi += 1;
      starT = ti;
    } else if (p !== undefined && p.test(toks[ti] ?? '')) {
      pi += 1;
      ti += 1;
    } else if (starP >= 0) {
      pi = starP + 1;
      starT += 1;
      ti = starT;
    } else {
      return false;
    }
  }
  while (pats[pi]?.kind === 'globstar') pi += 1;
  return pi === pats.length;
}

/** Match without `**`: equal counts and every pattern matches its token. */
export function matchFixed(pats: readonly TokenPattern[], toks: readonly string[]): boolean {
  if (pats.length !== toks.length) return false;
  for (let i = 0; i < pats.length; i += 1) {
    if (!(pats[i] as TokenPattern).test(toks[i] as string)) return false;
  }
  return true;
}

/** Pattern positions reachable before index `pi` by skipping `**` (which may match nothing). */
function closeOverGlobstars(pats: readonly TokenPattern[], states: Uint8Array): void {
  for (let pi = 0; pi < pats.length; pi += 1) {
    if (states[pi] === 1 && pats[pi]?.kind === 'globstar') states[pi + 1] = 1;
  }
}

/**
 * True when `toks` followed by at least one more (unknown) token could match
 * `pats`: some pattern position reachable after consuming `toks` still has a
 * pattern left. Used to decide from a set's group path whether any of its
 * metrics may match, assuming every remaining pattern can match something.
 */
export function couldMatchAfterPrefix(
  pats: readonly TokenPattern[],
  toks: readonly string[],
): boolean {
  let states = new Uint8Array(pats.length + 1);
  states[0] = 1;
  closeOverGlobstars(pats, states);
  for (const tok of toks) {
    const next = new Uint8Array(pats.length + 1);
    let any = false;
    for (let pi = 0; pi < pats.length; pi += 1) {
      if (states[pi] !== 1) continue;
      const p = pats[pi] as TokenPattern;
      if (p.kind === 'globstar') next[pi] = 1;
      else if (p.test(tok)) next[pi + 1] = 1;
      else continue;
      any = true;
    }
    if (!any) return false;
    closeOverGlobstars(pats, next);
    states = next;
  }
  for (let pi = 0; pi < pats.length; pi += 1) if (states[pi] === 1) return true;
  return false;
}
