import { badOption } from './options.js';

/** FNV-1a over UTF-16 code units, 32 bits: cheap, and only an input to the mix below. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Rendezvous (highest-random-weight) hashing over a static list of manager
 * names: each key goes to the manager with the highest score for
 * (manager, key). Adding or removing a manager moves only the keys it wins or
 * held (about 1/n), and every worker computes the same owner with no
 * coordination. Two independent 32-bit hashes of the key make a 64-bit
 * score so ties are practically impossible.
 */
export class Rendezvous {
  readonly managers: readonly string[];
  readonly #seedsHi: Uint32Array;
  readonly #seedsLo: Uint32Array;

  constructor(managers: readonly string[]) {
    if (managers.length === 0) throw badOption('managers: at least one manager name is needed');
    if (new Set(managers).size !== managers.length)
      throw badOption('managers: names must be unique');
    this.managers = [...managers];
    this.#seedsHi = Uint32Array.from(managers, (m) => fnv1a(m, 0x9e3779b9));
    this.#seedsLo = Uint32Array.from(managers, (m) => fnv1a(m, 0x7f4a7c15));
  }

  /** The manager responsible for `key`. */
  ownerOf(key: string): string {
    if (this.managers.length === 1) return this.managers[0]!;
    const kh = fnv1a(key, 0x2545f491);
    const kl = fnv1a(key, 0x68e31da4);
    let best = 0;
    let bestHi = -1;
    let bestLo = -1;
    for (let i = 0; i < this.managers.length; i++) {
      const hi = fmix32(kh ^ this.#seedsHi[i]!);
      const lo = fmix32(kl ^ this.#seedsLo[i]! ^ hi);
      if (hi > bestHi || (hi === bestHi && lo > bestLo)) {
        best = i;
        bestHi = hi;
        bestLo = lo;
      }
    }
    return this.managers[best]!;
  }
}
