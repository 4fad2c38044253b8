import { ByteReader } from './byte-reader.js';
import { decodeError, SumStatsError } from './errors.js';
import { HllReducer } from './hll-reducer.js';
import { LastReducer } from './last-reducer.js';
import { QuantileReducer } from './quantile-reducer.js';
import { REDUCER_FORMAT_VERSION, REDUCER_MAGIC } from './reducer-base.js';
import type { ReducerBase } from './reducer-base.js';
import { SampleReducer } from './sample-reducer.js';
import {
  AverageReducer,
  CountReducer,
  MaxReducer,
  MinReducer,
  SumReducer,
} from './scalar-reducers.js';
import { REDUCER_KINDS } from './spec.js';
import type { Reducer, ReducerKind, ReducerSpec } from './spec.js';
import { TopkReducer } from './topk-reducer.js';
import { UniqueReducer } from './unique-reducer.js';
import { resolveSpec, validateReducerSpec } from './validate-spec.js';
import { VarianceReducer } from './variance-reducer.js';

/** Options of `createReducer` and `decodeReducer`. */
export interface ReducerOptions {
  /** Uniform [0, 1) source for `sample` (default Math.random); inject a seeded one for reproducible tests. */
  random?: () => number;
}

type Random = () => number;

interface KindImpl {
  create(spec: Readonly<ReducerSpec>, random: Random): ReducerBase;
  read(spec: Readonly<ReducerSpec>, r: ByteReader, random: Random): ReducerBase;
}

const IMPLS: Record<ReducerKind, KindImpl> = {
  sum: { create: (s) => new SumReducer(s), read: (s, r) => SumReducer.read(s, r) },
  count: { create: (s) => new CountReducer(s), read: (s, r) => CountReducer.read(s, r) },
  min: { create: (s) => new MinReducer(s), read: (s, r) => MinReducer.read(s, r) },
  max: { create: (s) => new MaxReducer(s), read: (s, r) => MaxReducer.read(s, r) },
  average: { create: (s) => new AverageReducer(s), read: (s, r) => AverageReducer.read(s, r) },
  variance: { create: (s) => new VarianceReducer(s), read: (s, r) => VarianceReducer.read(s, r) },
  std_dev: { create: (s) => new VarianceReducer(s), read: (s, r) => VarianceReducer.read(s, r) },
  last: { create: (s) => new LastReducer(s), read: (s, r) => LastReducer.read(s, r) },
  sample: {
    create: (s, random) => new SampleReducer(s, random),
    read: (s, r, random) => SampleReducer.read(s, r, random),
  },
  unique: { create: (s) => new UniqueReducer(s), read: (s, r) => UniqueReducer.read(s, r) },
  hll_unique: { create: (s) => new HllReducer(s), read: (s, r) => HllReducer.read(s, r) },
  topk: { create: (s) => new TopkReducer(s), read: (s, r) => TopkReducer.read(s, r) },
  quantile: { create: (s) => new QuantileReducer(s), read: (s, r) => QuantileReducer.read(s, r) },
};

/**
 * A new, empty reducer. The spec is validated first (SumStatsError
 * CANOPY_ERR_SUMSTATS_SPEC naming the field, e.g. `reducer.n: must be an
 * integer ≥ 1`) and the kind's defaults are filled into `reducer.spec`.
 *
 * Results by kind: sum, min, max, average, variance (population), std_dev →
 * number, null while empty; count → number; last → values newest last;
 * sample → `{ samples, seen }`; unique → `{ count, capped, values }`;
 * hll_unique → `{ estimate, stdError }`; topk → `[{ key, count, error }]` by
 * count descending; quantile → `{ '0.5': v, …, count }`.
 */
export function createReducer(spec: ReducerSpec, o?: ReducerOptions): Reducer {
  const resolved = resolveSpec(validateReducerSpec(spec, 'reducer'));
  return IMPLS[resolved.kind].create(resolved, o?.random ?? Math.random);
}

function readSpec(r: ByteReader): ReducerSpec {
  const code = r.u8('kind');
  const kind = REDUCER_KINDS[code];
  if (kind === undefined) throw decodeError(`unknown reducer kind ${code}`);
  const spec: ReducerSpec = { kind };
  switch (kind) {
    case 'last':
    case 'sample':
    case 'unique':
      spec.n = r.varuint('n');
      break;
    case 'topk':
      spec.n = r.varuint('n');
      spec.counters = r.varuint('counters');
      break;
    case 'hll_unique':
      spec.precision = r.u8('precision');
      break;
    case 'quantile': {
      spec.relativeAccuracy = r.f64('relativeAccuracy');
      const n = r.u8('quantile count');
      spec.quantiles = [];
      for (let i = 0; i < n; i++) spec.quantiles.push(r.f64('quantile'));
      break;
    }
    default:
      break;
  }
  try {
    return resolveSpec(validateReducerSpec(spec, 'encoded'));
  } catch (err) {
    throw decodeError((err as Error).message, err);
  }
}

function decodeUnchecked(bytes: Uint8Array, random: Random): Reducer {
  const r = new ByteReader(bytes);
  for (const b of REDUCER_MAGIC) {
    if (r.u8('magic') !== b) throw decodeError("missing magic 'CSR'");
  }
  const version = r.u8('version');
  if (version !== REDUCER_FORMAT_VERSION) {
    throw decodeError(
      `unsupported version ${version} (this build reads ${REDUCER_FORMAT_VERSION})`,
    );
  }
  const spec = readSpec(r);
  const reducer = IMPLS[spec.kind].read(spec, r, random);
  r.end();
  return reducer;
}

/**
 * Rebuild a reducer from `encode()` output. Anything else — garbage, a
 * truncation, an unknown version or kind, impossible state — raises
 * SumStatsError CANOPY_ERR_SUMSTATS_DECODE and never another exception.
 */
export function decodeReducer(bytes: Uint8Array, o?: ReducerOptions): Reducer {
  try {
    return decodeUnchecked(bytes, o?.random ?? Math.random);
  } catch (err) {
    if (err instanceof SumStatsError) throw err;
    // A check this decoder forgot must still surface as a decode error, not a crash.
    throw decodeError(err instanceof Error ? err.message : String(err), err);
  }
}
