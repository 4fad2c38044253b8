/**
 * Fixtures shared by the protocol tests (not exported from the concern):
 * set instances, samples, and an in-memory Duplex pair.
 */
import { Duplex } from 'node:stream';
import type { MetricDef, SetInstance, SetSample } from '../model/index.js';

export function metricDef(
  name: string,
  type: MetricDef['type'],
  semantics: MetricDef['semantics'] = 'instant',
): MetricDef {
  return {
    name,
    type,
    unit: type === 'string' ? '' : 'kB',
    semantics,
    description: `the ${name} metric`,
  };
}

/** A set with one metric of every type. */
export function mixedSet(host = 'node-1'): SetInstance {
  return {
    ous: ['World', 'Lab'],
    host,
    groups: ['mixed', 'sub'],
    schema: {
      name: 'mixed',
      metrics: [
        metricDef('count', 'u64', 'counter'),
        metricDef('level', 'f64'),
        metricDef('label', 'string', 'discrete'),
        metricDef('delta', 'i64'),
      ],
    },
  };
}

export function sample(
  timestampMs: number,
  values: number[],
  strings: (string | undefined)[] | null = null,
): SetSample {
  return { timestampMs, values: Float64Array.from(values), strings };
}

/** Object.is on every value, === on strings: the codec's definition of exact. */
export function samplesEqual(a: SetSample, b: SetSample): boolean {
  if (a.timestampMs !== b.timestampMs || a.values.length !== b.values.length) return false;
  for (let i = 0; i < a.values.length; i++) if (!Object.is(a.values[i], b.values[i])) return false;
  if (a.strings === null || b.strings === null) return a.strings === b.strings;
  return a.strings.length === b.strings.length && a.strings.every((s, i) => s === b.strings![i]);
}

/** Concatenate byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Two connected in-memory Duplex ends; `remoteAddress` is set on both when given. */
export function duplexPair(remoteAddress?: string): [Duplex, Duplex] {
  const make = (): Duplex & { peer?: Duplex } => {
    const d: Duplex & { peer?: Duplex } = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        d.peer!.push(chunk);
        cb();
      },
      final(cb) {
        d.peer!.push(null);
        cb();
      },
    });
    if (remoteAddress !== undefined)
      Object.defineProperty(d, 'remoteAddress', { value: remoteAddress });
    return d;
  };
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
