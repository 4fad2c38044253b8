import type { Mutation, StateImage } from './kv-state.js';

/**
 * The embedded store's on-disk format. `coord.log` holds one JSON object per
 * line, one line per revision: `{"rev":7,"ops":[{"put":"k","value":"v"},
 * {"put":"k2","value":"v","lease":"a1"},{"del":"k3"}]}`. `coord.snapshot` is
 * one JSON document: `{"format":"canopy-coord-snapshot","version":1,
 * "revision":N,"kvs":[[key,value,createRev,modRev,lease|null],…]}`.
 * JSON keeps the files readable with standard tools; the log is small (the
 * store holds configuration and membership, not metrics).
 */
export const SNAPSHOT_FORMAT = 'canopy-coord-snapshot';
export const SNAPSHOT_VERSION = 1;

/** One logged revision. */
export interface LogRecord {
  rev: number;
  ops: Mutation[];
}

type WireOp = { put: string; value: string; lease?: string } | { del: string };

export function encodeRecord(record: LogRecord): string {
  const ops: WireOp[] = record.ops.map((m) =>
    m.op === 'delete'
      ? { del: m.key }
      : m.lease === undefined
        ? { put: m.key, value: m.value }
        : { put: m.key, value: m.value, lease: m.lease },
  );
  return JSON.stringify({ rev: record.rev, ops }) + '\n';
}

/** Parse one log line; undefined when it is not a well-formed record. */
export function decodeRecord(line: string): LogRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || !isRevision(raw['rev']) || !Array.isArray(raw['ops'])) return undefined;
  const ops: Mutation[] = [];
  for (const op of raw['ops'] as unknown[]) {
    const m = decodeOp(op);
    if (m === undefined) return undefined;
    ops.push(m);
  }
  return { rev: raw['rev'], ops };
}

function decodeOp(op: unknown): Mutation | undefined {
  if (!isObject(op)) return undefined;
  if (typeof op['del'] === 'string') return { op: 'delete', key: op['del'] };
  const { put, value, lease } = op;
  if (typeof put !== 'string' || typeof value !== 'string') return undefined;
  if (lease !== undefined && typeof lease !== 'string') return undefined;
  return { op: 'put', key: put, value, lease };
}

export function encodeSnapshot(image: StateImage): string {
  return JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    revision: image.revision,
    kvs: image.kvs,
  });
}

/** Parse a snapshot; a string describing the problem when it does not parse. */
export function decodeSnapshot(text: string): StateImage | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (!isObject(raw) || raw['format'] !== SNAPSHOT_FORMAT) return 'not a coord snapshot';
  if (raw['version'] !== SNAPSHOT_VERSION) return `unsupported version ${String(raw['version'])}`;
  if (!isRevision(raw['revision']) || !Array.isArray(raw['kvs'])) return 'missing revision or kvs';
  const kvs: StateImage['kvs'] = [];
  for (const [i, kv] of (raw['kvs'] as unknown[]).entries()) {
    if (!isImageRow(kv)) return `bad entry #${i}`;
    kvs.push(kv);
  }
  return { revision: raw['revision'], kvs };
}

function isImageRow(kv: unknown): kv is StateImage['kvs'][number] {
  return (
    Array.isArray(kv) &&
    kv.length === 5 &&
    typeof kv[0] === 'string' &&
    typeof kv[1] === 'string' &&
    isRevision(kv[2]) &&
    isRevision(kv[3]) &&
    (kv[4] === null || typeof kv[4] === 'string')
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isRevision(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}
