import type { JsonValue } from '../../protocol/index.js';
import { validateSumStatDef } from '../definition.js';
import type { SumStatDef } from '../definition.js';
import { badMessage } from './errors.js';

/** Encoded reducers of one key, per reducer name (binary `CSR` forms). */
export type EncodedKey = Record<string, Uint8Array>;

/**
 * Messages of the sumstats distribution layer. They ride in wire-protocol
 * `control` bodies tagged `op: 'sumstats'`, so the protocol itself is
 * unchanged; reducer encodings travel as base64. `gen` is the manager's epoch
 * generation of the sumstat: anything tagged with an older one is stale.
 */
export type SumStatsMessage =
  /** Manager → worker: the definitions to run (on connect and on change). */
  | { t: 'defs'; defs: SumStatDef[]; removed: string[] }
  /** Worker → manager: a key reached `earlyShare` of its next step locally. */
  | { t: 'near'; sumstat: string; key: string; value: number }
  /** Manager → worker: send these keys' state now, then again whenever they change. */
  | { t: 'watch'; sumstat: string; gen: number; keys: string[] }
  /** Manager → worker: stop pushing these keys. */
  | { t: 'unwatch'; sumstat: string; gen: number; keys: string[] }
  /** Worker → manager: key states (null: the worker has nothing for the key). */
  | { t: 'state'; sumstat: string; gen: number; states: [string, EncodedKey | null][] }
  /** Manager → worker: end the epoch and send this manager's keys. */
  | { t: 'drain'; sumstat: string; gen: number; epochEndMs: number }
  /** Worker → manager: one size-bounded batch of a drain; `done` on the last. */
  | { t: 'batch'; sumstat: string; gen: number; keys: [string, EncodedKey][]; done: boolean };

/** Tag of every control body of this layer. */
export const SUMSTATS_OP = 'sumstats';

type Rec = Record<string, unknown>;

function str(r: Rec, k: string): string {
  const v = r[k];
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096)
    throw badMessage(`${k}: must be a non-empty string`);
  return v;
}

function int(r: Rec, k: string): number {
  const v = r[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw badMessage(`${k}: must be an integer ≥ 0`);
  return v;
}

function list(r: Rec, k: string): unknown[] {
  const v = r[k];
  if (!Array.isArray(v)) throw badMessage(`${k}: must be an array`);
  return v;
}

function keys(r: Rec): string[] {
  return list(r, 'keys').map((k) => {
    if (typeof k !== 'string') throw badMessage('keys: must be strings');
    return k;
  });
}

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeKey(v: unknown): EncodedKey {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw badMessage('key state: must be an object');
  const out: EncodedKey = {};
  for (const [name, b64] of Object.entries(v as Rec)) {
    if (typeof b64 !== 'string' || b64.length % 4 !== 0 || !B64_RE.test(b64))
      throw badMessage(`key state ${name}: must be base64`);
    out[name] = Buffer.from(b64, 'base64');
  }
  return out;
}

function pair(v: unknown, nullable: boolean): [string, EncodedKey | null] {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string')
    throw badMessage('key entry: must be [key, state]');
  if (v[1] === null && nullable) return [v[0], null];
  return [v[0], decodeKey(v[1])];
}

function only(r: Rec, allowed: readonly string[]): void {
  for (const k of Object.keys(r))
    if (k !== 'op' && k !== 't' && !allowed.includes(k)) throw badMessage(`unknown field ${k}`);
}

/**
 * Parse a control body. Returns undefined when it is not tagged
 * `op: 'sumstats'` (someone else's control message); throws
 * `CANOPY_ERR_SUMSTATS_MESSAGE` when it is ours but malformed.
 */
export function parseSumStatsMessage(body: JsonValue): SumStatsMessage | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const r = body as Rec;
  if (r['op'] !== SUMSTATS_OP) return undefined;
  switch (r['t']) {
    case 'defs':
      only(r, ['defs', 'removed']);
      return {
        t: 'defs',
        defs: list(r, 'defs').map((d, i) => validateSumStatDef(d as SumStatDef, `defs[${i}]`)),
        removed: list(r, 'removed').map((n) => {
          if (typeof n !== 'string') throw badMessage('removed: must be strings');
          return n;
        }),
      };
    case 'near': {
      only(r, ['sumstat', 'key', 'value']);
      const value = r['value'];
      if (typeof value !== 'number') throw badMessage('value: must be a number');
      return { t: 'near', sumstat: str(r, 'sumstat'), key: keyOf(r), value };
    }
    case 'watch':
    case 'unwatch':
      only(r, ['sumstat', 'gen', 'keys']);
      return { t: r['t'], sumstat: str(r, 'sumstat'), gen: int(r, 'gen'), keys: keys(r) };
    case 'state':
      only(r, ['sumstat', 'gen', 'states']);
      return {
        t: 'state',
        sumstat: str(r, 'sumstat'),
        gen: int(r, 'gen'),
        states: list(r, 'states').map((p) => pair(p, true)),
      };
    case 'drain':
      only(r, ['sumstat', 'gen', 'epochEndMs']);
      return {
        t: 'drain',
        sumstat: str(r, 'sumstat'),
        gen: int(r, 'gen'),
        epochEndMs: int(r, 'epochEndMs'),
      };
    case 'batch': {
      only(r, ['sumstat', 'gen', 'keys', 'done']);
      if (typeof r['done'] !== 'boolean') throw badMessage('done: must be a boolean');
      return {
        t: 'batch',
        sumstat: str(r, 'sumstat'),
        gen: int(r, 'gen'),
        keys: list(r, 'keys').map((p) => pair(p, false) as [string, EncodedKey]),
        done: r['done'],
      };
    }
    default:
      throw badMessage(`unknown type ${JSON.stringify(r['t'])}`);
  }
}

function keyOf(r: Rec): string {
  const v = r['key'];
  if (typeof v !== 'string') throw badMessage('key: must be a string');
  return v;
}

/** Encoded reducers as JSON (base64 per reducer). */
export function encodeKeyJson(k: EncodedKey): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(k))
    out[name] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return out;
}

/** Approximate JSON size of one key entry, to bound batches without serialising twice. */
export function entryJsonBytes(key: string, k: EncodedKey): number {
  let n = key.length * 2 + 8;
  for (const [name, bytes] of Object.entries(k))
    n += name.length + 6 + Math.ceil(bytes.byteLength / 3) * 4;
  return n;
}

/** A message as the JSON control body sent on the wire. */
export function toJsonBody(m: SumStatsMessage): JsonValue {
  switch (m.t) {
    case 'defs':
      return { op: SUMSTATS_OP, t: 'defs', defs: m.defs.map(defJson), removed: m.removed };
    case 'state':
      return {
        op: SUMSTATS_OP,
        t: 'state',
        sumstat: m.sumstat,
        gen: m.gen,
        states: m.states.map(([k, s]) => [k, s === null ? null : encodeKeyJson(s)]),
      };
    case 'batch':
      return {
        op: SUMSTATS_OP,
        t: 'batch',
        sumstat: m.sumstat,
        gen: m.gen,
        keys: m.keys.map(([k, s]) => [k, encodeKeyJson(s)]),
        done: m.done,
      };
    default:
      return { op: SUMSTATS_OP, ...m } as JsonValue;
  }
}

/**
 * A definition as JSON. A threshold whose value is a function cannot travel:
 * it is left out, so workers of such a sumstat send no near notices and the
 * manager sees it only at epoch end.
 */
export function defJson(def: SumStatDef): JsonValue {
  const out: Rec = { ...def };
  if (def.threshold !== undefined && typeof def.threshold.value === 'function')
    delete out['threshold'];
  return JSON.parse(JSON.stringify(out)) as JsonValue;
}
