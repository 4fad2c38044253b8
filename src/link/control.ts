import type { JsonValue } from '../protocol/index.js';

/** How an uplink forwards: every set, or per-OU summaries with a delegation link. */
export const FORWARD_MODES = ['full', 'summary'] as const;
export type ForwardMode = (typeof FORWARD_MODES)[number];

/**
 * Control messages between daemons (the `control` wire message, JSON body).
 * - `subscribe`: a puller asks a producer to send it its sets (LDMS-style pull).
 * - `forward`: a lower node announces how it forwards and where its detail can
 *   be queried (the delegation link), first thing on every uplink connection.
 * - `set-schedule`: runtime change of a sampler plugin's interval/offset.
 */
export type ControlMessage =
  | { op: 'subscribe'; mode: ForwardMode }
  | {
      op: 'forward';
      mode: ForwardMode;
      name: string;
      level: number;
      ous: string[];
      api: string | null;
    }
  | { op: 'set-schedule'; plugin: string; intervalMs: number; offsetMs: number };

const isMode = (v: unknown): v is ForwardMode => v === 'full' || v === 'summary';
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Validate a control body; undefined when it is not a message this version knows. */
export function parseControl(body: unknown): ControlMessage | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  switch (b.op) {
    case 'subscribe':
      return isMode(b.mode) ? { op: 'subscribe', mode: b.mode } : undefined;
    case 'forward':
      if (
        !isMode(b.mode) ||
        typeof b.name !== 'string' ||
        typeof b.level !== 'number' ||
        !isStrings(b.ous)
      )
        return undefined;
      if (b.api !== null && typeof b.api !== 'string') return undefined;
      return { op: 'forward', mode: b.mode, name: b.name, level: b.level, ous: b.ous, api: b.api };
    case 'set-schedule':
      if (
        typeof b.plugin !== 'string' ||
        typeof b.intervalMs !== 'number' ||
        typeof b.offsetMs !== 'number'
      )
        return undefined;
      return {
        op: 'set-schedule',
        plugin: b.plugin,
        intervalMs: b.intervalMs,
        offsetMs: b.offsetMs,
      };
    default:
      return undefined;
  }
}

/** A control message as a wire body. */
export function controlBody(m: ControlMessage): JsonValue {
  return m as unknown as JsonValue;
}
