import type { JsonValue, WireConnection } from '../protocol/index.js';

/** How an uplink forwards: every set, or per-OU summaries with a delegation link. */
export const FORWARD_MODES = ['full', 'summary'] as const;
export type ForwardMode = (typeof FORWARD_MODES)[number];

/** One plugin of a `configure` message: what a sampler should run, and when. */
export interface ControlPluginSpec {
  name: string;
  intervalMs: number;
  offsetMs: number;
  config: Record<string, unknown>;
}

/**
 * Control messages between daemons (the `control` wire message, JSON body).
 * - `subscribe`: a puller asks a producer to send it its sets (LDMS-style pull);
 *   `takeover` names previous pullers whose unacknowledged samples it inherits.
 * - `forward`: a lower node announces how it forwards and where its detail can
 *   be queried (the delegation link), first thing on every uplink connection.
 * - `set-schedule`: runtime change of a sampler plugin's interval/offset.
 * - `configure`: the full desired plugin list of a sampler, applied in place.
 * - `configure-result`: the sampler's answer to a `configure`, on the same connection.
 */
export type ControlMessage =
  | { op: 'subscribe'; mode: ForwardMode; takeover?: string[] }
  | {
      op: 'forward';
      mode: ForwardMode;
      name: string;
      level: number;
      ous: string[];
      api: string | null;
    }
  | { op: 'set-schedule'; plugin: string; intervalMs: number; offsetMs: number }
  | { op: 'configure'; plugins: ControlPluginSpec[]; revision: number }
  | { op: 'configure-result'; revision: number; ok: boolean; error?: string }
  | { op: 'observe'; id: number; events: unknown[] }
  | { op: 'observe-result'; id: number; accepted: number; error?: string };

const isMode = (v: unknown): v is ForwardMode => v === 'full' || v === 'summary';
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every(isName);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A schedule a sampler could run: interval > 0 and 0 ≤ offset < interval, both finite. */
const isSchedule = (intervalMs: unknown, offsetMs: unknown): boolean =>
  isFiniteNumber(intervalMs) &&
  isFiniteNumber(offsetMs) &&
  intervalMs > 0 &&
  offsetMs >= 0 &&
  offsetMs < intervalMs;

function parseSubscribe(b: Record<string, unknown>): ControlMessage | undefined {
  if (!isMode(b.mode)) return undefined;
  if (b.takeover === undefined) return { op: 'subscribe', mode: b.mode };
  return isNames(b.takeover)
    ? { op: 'subscribe', mode: b.mode, takeover: [...b.takeover] }
    : undefined;
}

function parseForward(b: Record<string, unknown>): ControlMessage | undefined {
  if (
    !isMode(b.mode) ||
    typeof b.name !== 'string' ||
    typeof b.level !== 'number' ||
    !isStrings(b.ous)
  )
    return undefined;
  if (b.api !== null && typeof b.api !== 'string') return undefined;
  return { op: 'forward', mode: b.mode, name: b.name, level: b.level, ous: b.ous, api: b.api };
}

function parseSetSchedule(b: Record<string, unknown>): ControlMessage | undefined {
  if (
    typeof b.plugin !== 'string' ||
    typeof b.intervalMs !== 'number' ||
    typeof b.offsetMs !== 'number'
  )
    return undefined;
  return { op: 'set-schedule', plugin: b.plugin, intervalMs: b.intervalMs, offsetMs: b.offsetMs };
}

function parsePluginSpec(v: unknown): ControlPluginSpec | undefined {
  if (!isMapping(v)) return undefined;
  if (!isName(v.name) || !isSchedule(v.intervalMs, v.offsetMs) || !isMapping(v.config))
    return undefined;
  return {
    name: v.name,
    intervalMs: v.intervalMs as number,
    offsetMs: v.offsetMs as number,
    config: v.config,
  };
}

function parseConfigure(b: Record<string, unknown>): ControlMessage | undefined {
  if (!isFiniteNumber(b.revision) || !Array.isArray(b.plugins)) return undefined;
  const plugins: ControlPluginSpec[] = [];
  for (const p of b.plugins as unknown[]) {
    const spec = parsePluginSpec(p);
    if (spec === undefined) return undefined;
    plugins.push(spec);
  }
  return { op: 'configure', plugins, revision: b.revision };
}

function parseConfigureResult(b: Record<string, unknown>): ControlMessage | undefined {
  if (!isFiniteNumber(b.revision) || typeof b.ok !== 'boolean') return undefined;
  if (b.error === undefined) return { op: 'configure-result', revision: b.revision, ok: b.ok };
  return isName(b.error)
    ? { op: 'configure-result', revision: b.revision, ok: b.ok, error: b.error }
    : undefined;
}

// The events themselves are validated by whoever takes them (SumStats).
function parseObserve(b: Record<string, unknown>): ControlMessage | undefined {
  return Number.isSafeInteger(b.id) && Array.isArray(b.events)
    ? { op: 'observe', id: b.id as number, events: b.events as unknown[] }
    : undefined;
}

function parseObserveResult(b: Record<string, unknown>): ControlMessage | undefined {
  if (!Number.isSafeInteger(b.id) || !Number.isSafeInteger(b.accepted)) return undefined;
  if (b.error !== undefined && typeof b.error !== 'string') return undefined;
  const base = {
    op: 'observe-result',
    id: b.id as number,
    accepted: b.accepted as number,
  } as const;
  return typeof b.error === 'string' ? { ...base, error: b.error } : base;
}

/**
 * Validate a control body; undefined when it is not a message this version
 * knows or when any field is missing, mistyped or out of range (a message is
 * taken whole or not at all).
 */
export function parseControl(body: unknown): ControlMessage | undefined {
  if (!isMapping(body)) return undefined;
  switch (body.op) {
    case 'subscribe':
      return parseSubscribe(body);
    case 'forward':
      return parseForward(body);
    case 'set-schedule':
      return parseSetSchedule(body);
    case 'configure':
      return parseConfigure(body);
    case 'configure-result':
      return parseConfigureResult(body);
    case 'observe':
      return parseObserve(body);
    case 'observe-result':
      return parseObserveResult(body);
    default:
      return undefined;
  }
}

/** A control message as a wire body. */
export function controlBody(m: ControlMessage): JsonValue {
  return m as unknown as JsonValue;
}

/**
 * Send a control message if the connection is still open. Replies race with
 * disconnects, and a reply that cannot be sent is simply lost (the peer asks
 * again on its next connection), so this never throws.
 */
export function trySendControl(conn: WireConnection, body: JsonValue): boolean {
  if (conn.state !== 'open') return false;
  try {
    conn.sendControl(body);
    return true;
  } catch {
    return false;
  }
}
