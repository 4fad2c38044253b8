/**
 * The value model of the synthetic plugin: a pure function of (seed, host,
 * metric, tick index), evaluated incrementally. Random numbers come from a
 * counter-based generator (murmur3's 32-bit finaliser over the keys) rather
 * than a sequential PRNG, so the value at tick k does not depend on which
 * ticks a run happened to sample before: two runs with the same seed agree at
 * every tick whenever they started.
 *
 * Each value is a window sum of W per-tick random terms plus a base, which
 * can be updated exactly in integers from tick k-1 to k (add term k, drop
 * term k-W) and recomputed from scratch after a gap.
 */

/** Kinds of synthetic metric, about 60 / 30 / 10 %. */
export const SYNTH_KINDS = { gauge: 0, counter: 1, constant: 2 } as const;
export type SynthKind = (typeof SYNTH_KINDS)[keyof typeof SYNTH_KINDS];

/** Terms per window: wide enough to wander like a random walk, short enough to rebuild cheaply. */
const WINDOW = 32;
const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

/** murmur3 fmix32: a bijective 32-bit mixer with full avalanche. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Per-metric parameters, shared by every host (the same metric behaves alike everywhere). */
interface MetricParams {
  readonly kinds: Uint8Array;
  /** Gauges: largest step per tick, in hundredths. Counters: typical increment per tick. */
  readonly scale: Float64Array;
  readonly keys: Uint32Array;
}

function metricParams(seed: number, metrics: number): MetricParams {
  const kinds = new Uint8Array(metrics);
  const scale = new Float64Array(metrics);
  const keys = new Uint32Array(metrics);
  for (let m = 0; m < metrics; m++) {
    const key = mix32(mix32(seed ^ 0x5bd1e995) ^ mix32(m + 0x27d4eb2f));
    const u = mix32(key ^ 0x68e31da4) / TWO_POW_32;
    const v = mix32(key ^ 0x1b873593) / TWO_POW_32;
    kinds[m] = u < 0.6 ? SYNTH_KINDS.gauge : u < 0.9 ? SYNTH_KINDS.counter : SYNTH_KINDS.constant;
    // Gauges step by up to 0.01..2.00 per tick; counters grow by ~1..10^4 per tick.
    scale[m] = kinds[m] === SYNTH_KINDS.gauge ? 1 + Math.floor(v * 200) : Math.floor(10 ** (v * 4));
    keys[m] = key;
  }
  return { kinds, scale, keys };
}

/** Mix a tick index (up to 2^53) with the seed into one 32-bit key. */
function tickKey(seed: number, k: number): number {
  return mix32((k >>> 0) ^ mix32(Math.floor(k / TWO_POW_32) ^ seed ^ 0x9e3779b9));
}

/**
 * Values of `hosts` × `metrics` synthetic series. Call `advance(k)` once per
 * tick, then `fill` per host and metric range.
 */
export class SyntheticModel {
  readonly hosts: number;
  readonly metrics: number;
  readonly #seed: number;
  readonly #params: MetricParams;
  /** Per (host, metric): the random key of the series. */
  readonly #keys: Uint32Array;
  /** Per (host, metric): the current window sum of random terms. */
  readonly #sums: Float64Array;
  /** Per (host, metric): a random term is (random % mod) − off; mod 0 marks a constant. */
  readonly #mods: Uint32Array;
  readonly #offs: Uint32Array;
  /** Per (host, metric): the constant part of the value. */
  readonly #base: Float64Array;
  #k = NaN;

  constructor(seed: number, firstHost: number, hosts: number, metrics: number) {
    this.hosts = hosts;
    this.metrics = metrics;
    this.#seed = seed >>> 0;
    this.#params = metricParams(this.#seed, metrics);
    this.#keys = new Uint32Array(hosts * metrics);
    this.#sums = new Float64Array(hosts * metrics);
    this.#mods = new Uint32Array(hosts * metrics);
    this.#offs = new Uint32Array(hosts * metrics);
    this.#base = new Float64Array(hosts * metrics);
    const { kinds, scale } = this.#params;
    for (let h = 0; h < hosts; h++) {
      const hostKey = mix32(this.#seed ^ mix32(firstHost + h + 0x165667b1));
      for (let m = 0; m < metrics; m++) {
        const i = h * metrics + m;
        const key = mix32(hostKey ^ this.#params.keys[m]!);
        this.#keys[i] = key;
        // Gauge: a step in [-s, s]. Counter: an extra in [0, rate-1], so that
        // rate + extra(k) - extra(k-W) >= 1 and the counter strictly grows.
        // Gauges start well above their walk's spread (±32 steps) so they stay positive.
        if (kinds[m] === SYNTH_KINDS.gauge) {
          this.#mods[i] = 2 * scale[m]! + 1;
          this.#offs[i] = scale[m]!;
          this.#base[i] = scale[m]! * (100 + below(key, 1000));
        } else if (kinds[m] === SYNTH_KINDS.counter) {
          this.#mods[i] = counterRate(scale[m]!, key);
          this.#base[i] = below(key, 1_000_000);
        } else {
          this.#base[i] = 1 + below(key, 128);
        }
      }
    }
  }

  /** Kind of metric `m`. */
  kind(m: number): SynthKind {
    return this.#params.kinds[m] as SynthKind;
  }

  /** Bring the window sums to tick `k`: one step from k-1, otherwise a full rebuild. */
  advance(k: number): void {
    if (k === this.#k) return;
    if (k === this.#k + 1) {
      this.#step(tickKey(this.#seed, k), tickKey(this.#seed, k - WINDOW));
    } else {
      this.#rebuild(k);
    }
    this.#k = k;
  }

  /** Write the values of host `h`, metrics [m0, m1), at the current tick into `out[0…]`. */
  fill(h: number, m0: number, m1: number, out: Float64Array): void {
    const kinds = this.#params.kinds;
    const k = this.#k;
    const row = h * this.metrics;
    const base = this.#base;
    const sums = this.#sums;
    const mods = this.#mods;
    for (let m = m0; m < m1; m++) {
      const i = row + m;
      const kind = kinds[m];
      out[m - m0] =
        kind === SYNTH_KINDS.gauge
          ? (base[i]! + sums[i]!) / 100 // hundredths: exactly 2 decimals
          : kind === SYNTH_KINDS.counter
            ? base[i]! + mods[i]! * k + sums[i]! // mods holds the counter's rate
            : base[i]!;
    }
  }

  /** Slide every window by one tick: add the term of tick key `tkIn`, drop that of `tkOut`. */
  #step(tkIn: number, tkOut: number): void {
    const keys = this.#keys;
    const sums = this.#sums;
    const mods = this.#mods;
    for (let i = 0; i < keys.length; i++) {
      const mod = mods[i]!;
      if (mod === 0) continue;
      const key = keys[i]!;
      // The offsets of the two terms cancel out.
      sums[i] = sums[i]! + below(mix32(key ^ tkIn), mod) - below(mix32(key ^ tkOut), mod);
    }
  }

  /** Recompute every window sum for tick `k` from scratch (first tick, or after a gap). */
  #rebuild(k: number): void {
    const tks = new Uint32Array(WINDOW);
    for (let j = 0; j < WINDOW; j++) tks[j] = tickKey(this.#seed, k - j);
    const keys = this.#keys;
    const mods = this.#mods;
    const offs = this.#offs;
    for (let i = 0; i < keys.length; i++) {
      const mod = mods[i]!;
      const key = keys[i]!;
      let acc = 0;
      if (mod !== 0) for (let j = 0; j < WINDOW; j++) acc += below(mix32(key ^ tks[j]!), mod);
      this.#sums[i] = mod === 0 ? 0 : acc - WINDOW * offs[i]!;
    }
  }
}

/**
 * Map a uniform 32-bit integer onto [0, n) by multiply-and-shift: exact in
 * doubles for n < 2^21 and much faster than `%` on values above 2^31, which
 * V8 computes as a floating-point remainder.
 */
function below(r: number, n: number): number {
  return Math.floor(r * n * INV_TWO_POW_32);
}

/** Per-series base increment per tick: the metric's scale times 0.5..1.5, at least 1. */
function counterRate(scale: number, key: number): number {
  return 1 + Math.floor(scale * (0.5 + (key >>> 16) / 65536));
}
