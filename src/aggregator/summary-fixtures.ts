/**
 * Test data shared by the summary tests (not exported from the index): 20
 * hosts in two OUs with a mixed-type cpu set and a mem set. Values are
 * multiples of 1/4 so that sums are exact in any order, which lets the tests
 * compare answers computed along different paths with deepEqual.
 */
import { metric } from '../model/index.js';
import type { SetInstance, SetSample, SetSchema } from '../model/index.js';

export const CPU: SetSchema = {
  name: 'cpu',
  metrics: [
    metric('user', 'f64', 'instant', '%'),
    metric('sys', 'f64', 'instant', '%'),
    metric('ctxt', 'u64', 'counter', 'switches'),
    metric('model', 'string', 'discrete'),
    metric('cpu0:user', 'f64', 'instant', '%'),
  ],
};

export const MEM: SetSchema = {
  name: 'mem',
  metrics: [
    metric('total', 'u64', 'discrete', 'B'),
    metric('free', 'u64', 'instant', 'B'),
    metric('temp', 'f64', 'instant', 'C'),
  ],
};

export const TIMES = [10_000, 11_000, 12_000] as const;
export const HOSTS = 20;

/** OU path of host `h`: the first ten in `Lab:A`, the others in `Lab:B`. */
export function ouOf(h: number): string[] {
  return ['Lab', h < 10 ? 'A' : 'B'];
}

/** The cpu and mem sets of every host, in host order. */
export function hostSets(): { h: number; set: SetInstance }[] {
  const out: { h: number; set: SetInstance }[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const base = { ous: ouOf(h), host: `node-${h}` };
    out.push({ h, set: { ...base, groups: ['cpu'], schema: CPU } });
    out.push({ h, set: { ...base, groups: ['mem'], schema: MEM } });
  }
  return out;
}

/**
 * Value of metric `m` of `schema` on host `h` at `t`: NaN now and then, and
 * `temp` NaN on every host at the second timestamp (nothing to summarise).
 */
export function valueOf(schema: SetSchema, m: number, h: number, t: number): number {
  const def = schema.metrics[m];
  const k = t / 1000;
  if (def === undefined || def.type === 'string') return NaN;
  if (def.name === 'temp' && t === TIMES[1]) return NaN;
  if (def.type !== 'u64' && (h * 3 + m + k) % 7 === 0) return NaN;
  if (def.type === 'u64') return h * 1000 + k * 17 + m;
  return ((h * 37 + m * 11 + k * 5) % 64) / 4 - 3;
}

export function sampleOf(set: SetInstance, h: number, t: number): SetSample {
  const n = set.schema.metrics.length;
  const values = Float64Array.from({ length: n }, (_, m) => valueOf(set.schema, m, h, t));
  const hasString = set.schema.metrics.some((d) => d.type === 'string');
  const strings = hasString
    ? set.schema.metrics.map((d) => (d.type === 'string' ? `model-${h}` : undefined))
    : null;
  return { timestampMs: t, values, strings };
}
