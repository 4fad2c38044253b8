import { createReducer } from './reducers/index.js';
import type { ReducerKind, ReducerResult } from './reducers/index.js';
import type { ReducerDef, SumStatDef } from './definition.js';
import { defError } from './errors.js';

/** Default of `SumStatDef.earlyShare`. */
export const DEFAULT_EARLY_SHARE = 0.2;

/** Kinds whose result is already a number: a path names the reducer alone. */
const NUMERIC_KINDS: readonly ReducerKind[] = [
  'sum',
  'count',
  'min',
  'max',
  'average',
  'variance',
  'std_dev',
];

/**
 * The field read when a path names a reducer whose result is not a number.
 * `last` reads its newest value and `topk` the count of its heaviest entry.
 * A quantile has no natural scalar, so its path must say which quantile.
 */
const DEFAULT_FIELD: Partial<Record<ReducerKind, string>> = {
  unique: 'count',
  hll_unique: 'estimate',
  sample: 'seen',
  last: '-1',
  topk: '0.count',
};

function fieldsOf(def: ReducerDef): readonly string[] | undefined {
  const spec = createReducer(def.spec).spec;
  switch (spec.kind) {
    case 'unique':
      return ['count'];
    case 'hll_unique':
      return ['estimate', 'stdError'];
    case 'sample':
      return ['seen'];
    case 'quantile':
      return [...(spec.quantiles ?? []).map(String), 'count'];
    case 'topk': {
      const out: string[] = [];
      for (let i = 0; i < (spec.n ?? 0); i++) out.push(`${i}.count`, `${i}.error`);
      return out;
    }
    default:
      return undefined;
  }
}

/**
 * Check a threshold value path against the reducers: `ports` (a reducer), or
 * `ports.count`, `lat.0.99`, `top.0.count` (a field of its result). Throws a
 * located `CANOPY_ERR_SUMSTATS_DEF` naming the fields that exist.
 */
export function validateValuePath(
  path: string,
  where: string,
  reducers: readonly ReducerDef[],
): void {
  const dot = path.indexOf('.');
  const name = dot < 0 ? path : path.slice(0, dot);
  const field = dot < 0 ? undefined : path.slice(dot + 1);
  const def = reducers.find((r) => r.name === name);
  if (def === undefined)
    throw defError(
      where,
      `${JSON.stringify(name)} is not a reducer of this sumstat (have: ${reducers.map((r) => r.name).join(', ')})`,
    );
  const kind = def.spec.kind;
  if (NUMERIC_KINDS.includes(kind)) {
    if (field !== undefined)
      throw defError(
        where,
        `a ${kind} reducer gives a number; write ${JSON.stringify(name)} without a field`,
      );
    return;
  }
  if (kind === 'last') {
    if (field !== undefined)
      throw defError(
        where,
        `a last reducer is read as its newest value; write ${JSON.stringify(name)} without a field`,
      );
    return;
  }
  const fields = fieldsOf(def) ?? [];
  if (field === undefined) {
    if (DEFAULT_FIELD[kind] !== undefined) return;
    throw defError(
      where,
      `a ${kind} reducer needs a field: one of ${fields.map((f) => `${name}.${f}`).join(', ')}`,
    );
  }
  if (!fields.includes(field))
    throw defError(
      where,
      `${JSON.stringify(field)} is not a field of ${kind} reducer ${name} (have: ${fields.join(', ')})`,
    );
}

/**
 * Read `field` of a reducer result. Quantile fields contain dots (`0.99`),
 * so the whole remainder is tried as one key before splitting at each dot.
 */
function pick(value: unknown, field: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const obj = value as Record<string, unknown>;
  if (Array.isArray(value) && field === '-1') return value[value.length - 1];
  if (Object.hasOwn(obj, field)) return obj[field];
  for (let p = field.indexOf('.'); p > 0; p = field.indexOf('.', p + 1)) {
    const head = field.slice(0, p);
    if (!Object.hasOwn(obj, head)) continue;
    const found = pick(obj[head], field.slice(p + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A result (or one field of it) as the number a threshold compares; NaN when there is none. */
export function scalarOf(result: ReducerResult, field: string | undefined): number {
  const v = field === undefined ? result : pick(result, field);
  return typeof v === 'number' ? v : NaN;
}

/** How the watched value is computed for one key. */
export type ValueSource =
  | { readonly kind: 'path'; readonly slot: number; readonly field: string | undefined }
  | {
      readonly kind: 'function';
      readonly fn: (results: Readonly<Record<string, ReducerResult>>) => number;
    };

/** A compiled threshold: the value source, the ascending steps and the early share. */
export interface ThresholdPlan {
  readonly source: ValueSource;
  /** `[threshold]` or the series. */
  readonly steps: readonly number[];
  readonly earlyShare: number;
}

/** Compile a validated definition's threshold; undefined when it has none. */
export function compileThreshold(def: SumStatDef): ThresholdPlan | undefined {
  const t = def.threshold;
  if (t === undefined) return undefined;
  const steps = t.series ?? (t.threshold === undefined ? [] : [t.threshold]);
  const earlyShare = def.earlyShare ?? DEFAULT_EARLY_SHARE;
  if (typeof t.value === 'function')
    return { source: { kind: 'function', fn: t.value }, steps, earlyShare };
  const dot = t.value.indexOf('.');
  const name = dot < 0 ? t.value : t.value.slice(0, dot);
  const slot = def.reducers.findIndex((r) => r.name === name);
  const kind = def.reducers[slot]?.spec.kind;
  const field =
    dot < 0 ? (kind === undefined ? undefined : DEFAULT_FIELD[kind]) : t.value.slice(dot + 1);
  return { source: { kind: 'path', slot, field }, steps, earlyShare };
}

/** Where one key stands against the steps in the current epoch. */
export interface StepTracker {
  /** Steps crossed so far (the index of the next step to cross). */
  crossed: number;
  /** Steps whose near-threshold notice was given (index + 1 of the last one). */
  near: number;
}

/**
 * Advance a tracker to `value`: returns how many steps were crossed before
 * (`from`); every index from `from` to `tracker.crossed - 1` was crossed now,
 * in ascending order. A value that jumps over several steps crosses each of
 * them (Zeek crosses one per observation and drops the rest until more data
 * arrives). NaN crosses nothing.
 */
export function advance(tracker: StepTracker, steps: readonly number[], value: number): number {
  const from = tracker.crossed;
  let i = from;
  while (i < steps.length && value >= steps[i]!) i++;
  tracker.crossed = i;
  return from;
}

/**
 * True when the near-threshold notice is due: the value reached
 * `earlyShare × next step` and no notice was given for that step yet. Marks it
 * given, so it fires once per key per epoch per step.
 */
export function nearDue(
  tracker: StepTracker,
  steps: readonly number[],
  value: number,
  earlyShare: number,
): boolean {
  const next = tracker.crossed;
  const step = steps[next];
  if (step === undefined || tracker.near > next) return false;
  if (!(value >= earlyShare * step)) return false;
  tracker.near = next + 1;
  return true;
}
