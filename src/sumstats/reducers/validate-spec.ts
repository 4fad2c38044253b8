import { SUMSTATS_ERROR_CODES, SumStatsError } from './errors.js';
import { REDUCER_KINDS } from './spec.js';
import type { ReducerKind, ReducerSpec } from './spec.js';

/**
 * Bounds on reducer parameters. They keep one key's state bounded whatever a
 * config says: n and counters cap entries, precision caps HLL registers at
 * 64 Ki, and the DDSketch accuracy floor caps its bins (see quantile-reducer).
 */
export const REDUCER_LIMITS = {
  maxN: 1_000_000,
  maxCounters: 1_000_000,
  minPrecision: 4,
  maxPrecision: 16,
  minRelativeAccuracy: 0.001,
  maxRelativeAccuracy: 0.5,
  maxQuantiles: 64,
} as const;

/** Defaults filled in by `resolveSpec`. */
export const REDUCER_DEFAULTS = {
  lastN: 10,
  sampleN: 10,
  uniqueN: 10_000,
  topkN: 10,
  precision: 14,
  relativeAccuracy: 0.01,
  quantiles: [0.5, 0.9, 0.99] as readonly number[],
} as const;

type Param = Exclude<keyof ReducerSpec, 'kind'>;

/** Which parameters each kind reads; any other parameter is a config mistake worth reporting. */
const PARAMS: Record<ReducerKind, readonly Param[]> = {
  sum: [],
  count: [],
  min: [],
  max: [],
  average: [],
  variance: [],
  std_dev: [],
  last: ['n'],
  sample: ['n'],
  unique: ['n'],
  hll_unique: ['precision'],
  topk: ['n', 'counters'],
  quantile: ['relativeAccuracy', 'quantiles'],
};
const ALL_FIELDS: readonly string[] = [
  'kind',
  'n',
  'counters',
  'precision',
  'relativeAccuracy',
  'quantiles',
];

function specError(message: string): SumStatsError {
  return new SumStatsError(SUMSTATS_ERROR_CODES.spec, message);
}

function isKind(v: unknown): v is ReducerKind {
  return typeof v === 'string' && (REDUCER_KINDS as readonly string[]).includes(v);
}

function checkInteger(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw specError(`${path}: must be an integer ≥ ${min}`);
  }
  if (v > max) throw specError(`${path}: must be ≤ ${max}`);
  return v;
}

function checkQuantiles(v: unknown, path: string): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > REDUCER_LIMITS.maxQuantiles) {
    throw specError(
      `${path}: must be a non-empty array of at most ${REDUCER_LIMITS.maxQuantiles} numbers`,
    );
  }
  const out: number[] = [];
  v.forEach((q: unknown, i) => {
    if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
      throw specError(`${path}[${i}]: must be a number from 0 to 1`);
    }
    const seen = out.indexOf(q);
    if (seen >= 0) throw specError(`${path}[${i}]: duplicate of ${path}[${seen}]`);
    out.push(q);
  });
  return out;
}

/**
 * Check an untrusted reducer spec (from YAML, HTTP or code) and return a clean
 * copy holding only the fields given. Throws SumStatsError
 * CANOPY_ERR_SUMSTATS_SPEC with a message located at `where`, e.g.
 * `sumstats[0].reducers[1].spec.n: must be an integer ≥ 1`. Parameters a kind
 * does not read are refused rather than ignored, so a typo cannot pass.
 */
export function validateReducerSpec(spec: unknown, where: string): ReducerSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw specError(`${where}: must be an object with a kind`);
  }
  const rec = spec as Record<string, unknown>;
  for (const field of Object.keys(rec)) {
    if (!ALL_FIELDS.includes(field)) {
      throw specError(`${where}.${field}: unknown field (allowed: ${ALL_FIELDS.join(', ')})`);
    }
  }
  const kind = rec['kind'];
  if (!isKind(kind)) throw specError(`${where}.kind: must be one of ${REDUCER_KINDS.join(', ')}`);
  const allowed = PARAMS[kind];
  for (const field of Object.keys(rec)) {
    if (field !== 'kind' && rec[field] !== undefined && !allowed.includes(field as Param)) {
      throw specError(`${where}.${field}: not used by kind ${kind}`);
    }
  }
  const out: ReducerSpec = { kind };
  const { n, counters, precision, relativeAccuracy, quantiles } = rec;
  if (n !== undefined) out.n = checkInteger(n, `${where}.n`, 1, REDUCER_LIMITS.maxN);
  if (counters !== undefined) {
    const k = out.n ?? REDUCER_DEFAULTS.topkN;
    out.counters = checkInteger(counters, `${where}.counters`, k, REDUCER_LIMITS.maxCounters);
  }
  if (precision !== undefined) {
    const { minPrecision: lo, maxPrecision: hi } = REDUCER_LIMITS;
    if (
      typeof precision !== 'number' ||
      !Number.isInteger(precision) ||
      precision < lo ||
      precision > hi
    ) {
      throw specError(`${where}.precision: must be an integer from ${lo} to ${hi}`);
    }
    out.precision = precision;
  }
  if (relativeAccuracy !== undefined) {
    const { minRelativeAccuracy: lo, maxRelativeAccuracy: hi } = REDUCER_LIMITS;
    if (
      typeof relativeAccuracy !== 'number' ||
      !(relativeAccuracy >= lo && relativeAccuracy <= hi)
    ) {
      throw specError(`${where}.relativeAccuracy: must be a number from ${lo} to ${hi}`);
    }
    out.relativeAccuracy = relativeAccuracy;
  }
  if (quantiles !== undefined) out.quantiles = checkQuantiles(quantiles, `${where}.quantiles`);
  return out;
}

/**
 * Fill in the kind's defaults so two specs that mean the same thing compare
 * equal (`{kind:'quantile'}` merges with `{kind:'quantile', relativeAccuracy: 0.01}`).
 * Expects a validated spec.
 */
export function resolveSpec(spec: ReducerSpec): ReducerSpec {
  switch (spec.kind) {
    case 'last':
      return { kind: 'last', n: spec.n ?? REDUCER_DEFAULTS.lastN };
    case 'sample':
      return { kind: 'sample', n: spec.n ?? REDUCER_DEFAULTS.sampleN };
    case 'unique':
      return { kind: 'unique', n: spec.n ?? REDUCER_DEFAULTS.uniqueN };
    case 'hll_unique':
      return { kind: 'hll_unique', precision: spec.precision ?? REDUCER_DEFAULTS.precision };
    case 'topk': {
      const n = spec.n ?? REDUCER_DEFAULTS.topkN;
      return {
        kind: 'topk',
        n,
        counters: spec.counters ?? Math.min(2 * n, REDUCER_LIMITS.maxCounters),
      };
    }
    case 'quantile':
      return {
        kind: 'quantile',
        relativeAccuracy: spec.relativeAccuracy ?? REDUCER_DEFAULTS.relativeAccuracy,
        quantiles: [...(spec.quantiles ?? REDUCER_DEFAULTS.quantiles)],
      };
    default:
      return { kind: spec.kind };
  }
}

/** A one-line description of a resolved spec, for merge errors: `quantile(relativeAccuracy=0.01, quantiles=[0.5,0.9])`. */
export function describeSpec(spec: Readonly<ReducerSpec>): string {
  const params = PARAMS[spec.kind]
    .filter((p) => spec[p] !== undefined)
    .map((p) => {
      const v = spec[p];
      return `${p}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`;
    });
  return `${spec.kind}(${params.join(', ')})`;
}

/** True when two resolved specs have the same kind and parameters (so their states merge). */
export function sameSpec(a: Readonly<ReducerSpec>, b: Readonly<ReducerSpec>): boolean {
  return describeSpec(a) === describeSpec(b);
}
