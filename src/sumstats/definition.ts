import { validateReducerSpec } from './reducers/index.js';
import type { ReducerResult, ReducerSpec } from './reducers/index.js';
import { SUMSTATS_ENGINE_ERROR_CODES, SumStatsEngineError, defError } from './errors.js';
import { validateValuePath } from './threshold.js';

/**
 * Which observations a reducer keeps. Every condition given must hold; a
 * numeric condition fails when the observation carries no number, a string
 * condition when it carries no string. Declarative (not a function, as in
 * Zeek) so a definition can come from YAML or an HTTP body and be shipped to
 * other nodes.
 */
export interface WherePredicate {
  num?: { gt?: number; ge?: number; lt?: number; le?: number };
  /** `match` is a JavaScript regex, unanchored (`^…$` to anchor); `in` a list of exact values. */
  str?: { match?: string; in?: string[] };
}

/**
 * Key normalisation: `as-is`; `lower` (lower-cased); `host` (the event's
 * `host`, else the token after `::` in the key, else the key); `{ ouDepth: N }`
 * (the first N OU tokens of the key's OU part, the text before `::`).
 */
export type KeyMode = 'as-is' | 'lower' | 'host' | { ouDepth: number };

/** One reducer of a sumstat: which stream it reads, what it computes, which observations, which key. */
export interface ReducerDef {
  /** Unique in the sumstat; names the result (`ports`) and threshold paths (`ports.count`). */
  name: string;
  stream: string;
  spec: ReducerSpec;
  /** Declarative predicate: only observations that pass are reduced. */
  where?: WherePredicate;
  /** Key normalisation: as given, lower-cased, the host, an OU prefix of N tokens. Default `as-is`. */
  key?: KeyMode;
}

/** The value a threshold watches, and the threshold or ascending series it is compared to (`>=`). */
export interface ThresholdDef {
  /** The value compared: a reducer's result (`ports`) or a field of it (`ports.count`, `lat.0.99`), or a function in code. */
  value: string | ((results: Readonly<Record<string, ReducerResult>>) => number);
  /** One threshold, or: */
  threshold?: number;
  /** An ascending series; each crossed at most once per key per epoch. */
  series?: number[];
}

/** A named summary statistic: reducers over observation streams, an epoch, an optional threshold. */
export interface SumStatDef {
  name: string;
  /** Epoch length; epochs end at wall-clock multiples of it. `null`: epochs end only when asked (manual). */
  epochMs: number | null;
  reducers: ReducerDef[];
  threshold?: ThresholdDef;
  /** Share of the threshold at which a worker asks for a global view (distribution layer). Default 0.2. */
  earlyShare?: number;
}

/** Bounds checked by `validateSumStatDef`. */
export const SUMSTAT_LIMITS = {
  minEpochMs: 100,
  /** Node timers overflow above 2^31 − 1 ms (about 24.8 days). */
  maxEpochMs: 2 ** 31 - 1,
  maxReducers: 32,
  maxSeries: 64,
  maxOuDepth: 64,
  maxStreamChars: 256,
  maxInValues: 10_000,
} as const;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** No dots: a dot separates a reducer name from the field of a threshold path. */
const REDUCER_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const DEF_KEYS = ['name', 'epochMs', 'reducers', 'threshold', 'earlyShare'];
const REDUCER_KEYS = ['name', 'stream', 'spec', 'where', 'key'];
const THRESHOLD_KEYS = ['value', 'threshold', 'series'];

function record(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw defError(path, 'must be an object');
  const rec = v as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (!allowed.includes(k))
      throw defError(`${path}.${k}`, `unknown key (allowed: ${allowed.join(', ')})`);
  }
  return rec;
}

function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw defError(path, 'must be a finite number');
  return v;
}

function validateNumWhere(v: unknown, path: string): NonNullable<WherePredicate['num']> {
  const rec = record(v, path, ['gt', 'ge', 'lt', 'le']);
  const out: NonNullable<WherePredicate['num']> = {};
  for (const op of ['gt', 'ge', 'lt', 'le'] as const) {
    if (rec[op] !== undefined) out[op] = finite(rec[op], `${path}.${op}`);
  }
  if (Object.keys(out).length === 0) throw defError(path, 'needs at least one of gt, ge, lt, le');
  return out;
}

function validateStrWhere(v: unknown, path: string): NonNullable<WherePredicate['str']> {
  const rec = record(v, path, ['match', 'in']);
  const out: NonNullable<WherePredicate['str']> = {};
  if (rec['match'] !== undefined) {
    if (typeof rec['match'] !== 'string')
      throw defError(`${path}.match`, 'must be a string (a regex)');
    try {
      new RegExp(rec['match'], 'u');
    } catch (err) {
      throw defError(`${path}.match`, `invalid regex (${(err as Error).message})`, err);
    }
    out.match = rec['match'];
  }
  if (rec['in'] !== undefined) {
    const list = rec['in'];
    if (!Array.isArray(list) || list.length === 0 || list.length > SUMSTAT_LIMITS.maxInValues)
      throw defError(
        `${path}.in`,
        `must be a non-empty array of at most ${SUMSTAT_LIMITS.maxInValues} strings`,
      );
    list.forEach((s: unknown, i) => {
      if (typeof s !== 'string') throw defError(`${path}.in[${i}]`, 'must be a string');
    });
    out.in = [...(list as string[])];
  }
  if (out.match === undefined && out.in === undefined) throw defError(path, 'needs match or in');
  return out;
}

function validateWhere(v: unknown, path: string): WherePredicate {
  const rec = record(v, path, ['num', 'str']);
  const out: WherePredicate = {};
  if (rec['num'] !== undefined) out.num = validateNumWhere(rec['num'], `${path}.num`);
  if (rec['str'] !== undefined) out.str = validateStrWhere(rec['str'], `${path}.str`);
  return out;
}

function validateKeyMode(v: unknown, path: string): KeyMode {
  if (v === 'as-is' || v === 'lower' || v === 'host') return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const depth = record(v, path, ['ouDepth'])['ouDepth'];
    if (
      typeof depth === 'number' &&
      Number.isInteger(depth) &&
      depth >= 1 &&
      depth <= SUMSTAT_LIMITS.maxOuDepth
    )
      return { ouDepth: depth };
    throw defError(`${path}.ouDepth`, `must be an integer from 1 to ${SUMSTAT_LIMITS.maxOuDepth}`);
  }
  throw defError(path, "must be 'as-is', 'lower', 'host' or { ouDepth: N }");
}

function validateSpec(v: unknown, path: string): ReducerSpec {
  try {
    return validateReducerSpec(v, path);
  } catch (err) {
    // Re-raise under the definition code so one code covers every definition
    // problem; the reducers' message is already located at `path`.
    const message = (err as Error).message;
    const at = message.indexOf(': ');
    const where = at > 0 && message.startsWith(path) ? message.slice(0, at) : path;
    throw new SumStatsEngineError(SUMSTATS_ENGINE_ERROR_CODES.invalidDef, message, {
      path: where,
      cause: err,
    });
  }
}

function validateReducer(v: unknown, path: string): ReducerDef {
  const rec = record(v, path, REDUCER_KEYS);
  const name = rec['name'];
  if (typeof name !== 'string' || !REDUCER_NAME_RE.test(name))
    throw defError(
      `${path}.name`,
      'must be a name of letters, digits, _ and - (no dots), starting with a letter or _',
    );
  const stream = rec['stream'];
  if (
    typeof stream !== 'string' ||
    stream.length === 0 ||
    stream.length > SUMSTAT_LIMITS.maxStreamChars
  )
    throw defError(
      `${path}.stream`,
      `must be a non-empty string of at most ${SUMSTAT_LIMITS.maxStreamChars} characters`,
    );
  const out: ReducerDef = { name, stream, spec: validateSpec(rec['spec'], `${path}.spec`) };
  if (rec['where'] !== undefined) out.where = validateWhere(rec['where'], `${path}.where`);
  if (rec['key'] !== undefined) out.key = validateKeyMode(rec['key'], `${path}.key`);
  return out;
}

function validateSeries(v: unknown, path: string): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > SUMSTAT_LIMITS.maxSeries)
    throw defError(
      path,
      `must be a non-empty array of at most ${SUMSTAT_LIMITS.maxSeries} numbers`,
    );
  const out: number[] = [];
  v.forEach((x: unknown, i) => {
    const n = finite(x, `${path}[${i}]`);
    const prev = out[i - 1];
    if (prev !== undefined && !(n > prev))
      throw defError(`${path}[${i}]`, `must be greater than ${path}[${i - 1}] (${prev})`);
    out.push(n);
  });
  return out;
}

function validateThreshold(
  v: unknown,
  path: string,
  reducers: readonly ReducerDef[],
): ThresholdDef {
  const rec = record(v, path, THRESHOLD_KEYS);
  const value = rec['value'];
  if (typeof value === 'string') validateValuePath(value, `${path}.value`, reducers);
  else if (typeof value !== 'function')
    throw defError(
      `${path}.value`,
      'must be a reducer name, a path such as ports.count or lat.0.99, or a function',
    );
  const out: ThresholdDef = { value: value as ThresholdDef['value'] };
  const hasOne = rec['threshold'] !== undefined;
  const hasSeries = rec['series'] !== undefined;
  if (hasOne === hasSeries) throw defError(path, 'needs exactly one of threshold and series');
  if (hasOne) out.threshold = finite(rec['threshold'], `${path}.threshold`);
  else out.series = validateSeries(rec['series'], `${path}.series`);
  return out;
}

function validateReducers(v: unknown, path: string): ReducerDef[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > SUMSTAT_LIMITS.maxReducers)
    throw defError(
      path,
      `must be a non-empty array of at most ${SUMSTAT_LIMITS.maxReducers} reducers`,
    );
  const out: ReducerDef[] = [];
  v.forEach((r: unknown, i) => {
    const def = validateReducer(r, `${path}[${i}]`);
    const dup = out.findIndex((o) => o.name === def.name);
    if (dup >= 0)
      throw defError(`${path}[${i}].name`, `duplicate of ${path}[${dup}].name (${def.name})`);
    out.push(def);
  });
  return out;
}

function validateEpoch(v: unknown, path: string): number | null {
  if (v === null) return null;
  const { minEpochMs: lo, maxEpochMs: hi } = SUMSTAT_LIMITS;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    throw defError(
      path,
      `must be null (manual epochs) or an integer number of milliseconds from ${lo} to ${hi}`,
    );
  return v;
}

/**
 * Check an untrusted sumstat definition (YAML, HTTP body or code) and return a
 * clean copy. Throws SumStatsEngineError `CANOPY_ERR_SUMSTATS_DEF` whose
 * message and `path` locate the problem under `where`, e.g.
 * `sumstats[0].reducers[1].spec.n: must be an integer ≥ 1`. Unknown keys are
 * refused so a typo never silently falls back to a default.
 */
export function validateSumStatDef(def: unknown, where: string): SumStatDef {
  const rec = record(def, where, DEF_KEYS);
  const name = rec['name'];
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw defError(
      `${where}.name`,
      'must be 1-128 letters, digits, _, . or -, starting with a letter or digit',
    );
  if (!('epochMs' in rec))
    throw defError(`${where}.epochMs`, 'is required (null for manual epochs)');
  const epochMs = validateEpoch(rec['epochMs'], `${where}.epochMs`);
  const reducers = validateReducers(rec['reducers'], `${where}.reducers`);
  const out: SumStatDef = { name, epochMs, reducers };
  if (rec['threshold'] !== undefined)
    out.threshold = validateThreshold(rec['threshold'], `${where}.threshold`, reducers);
  if (rec['earlyShare'] !== undefined) {
    const share = rec['earlyShare'];
    if (typeof share !== 'number' || !(share > 0 && share <= 1))
      throw defError(`${where}.earlyShare`, 'must be a number greater than 0 and at most 1');
    out.earlyShare = share;
  }
  return out;
}

/** A compiled `where`: true when the observation is kept. */
export type Predicate = (o: { readonly num?: number; readonly str?: string }) => boolean;

function numPredicate(w: NonNullable<WherePredicate['num']>): Predicate {
  // Absent bounds become ±Infinity so the hot path is four comparisons, no branches on presence.
  const gt = w.gt ?? -Infinity;
  const ge = w.ge ?? -Infinity;
  const lt = w.lt ?? Infinity;
  const le = w.le ?? Infinity;
  return (o) => {
    const x = o.num;
    return x !== undefined && x > gt && x >= ge && x < lt && x <= le;
  };
}

function strPredicate(w: NonNullable<WherePredicate['str']>): Predicate {
  const re = w.match === undefined ? undefined : new RegExp(w.match, 'u');
  const set = w.in === undefined ? undefined : new Set(w.in);
  return (o) => {
    const s = o.str;
    if (s === undefined) return false;
    if (set !== undefined && !set.has(s)) return false;
    return re === undefined || re.test(s);
  };
}

/** Compile a validated `where` into a predicate; undefined when it keeps everything. */
export function compileWhere(where: WherePredicate | undefined): Predicate | undefined {
  if (where === undefined) return undefined;
  const num = where.num === undefined ? undefined : numPredicate(where.num);
  const str = where.str === undefined ? undefined : strPredicate(where.str);
  if (num !== undefined && str !== undefined) return (o) => num(o) && str(o);
  return num ?? str;
}
