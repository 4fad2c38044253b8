import type { AppendItem } from '../../src/archive/index.js';
import type { SetInstance } from '../../src/model/index.js';

/** The sets the crash writer appends to. */
const SETS: SetInstance[] = [0, 1, 2].map((s) => ({
  ous: ['Crash'],
  host: `c${s}`,
  groups: ['load'],
  schema: {
    name: 'load',
    metrics: [
      { name: 'x', type: 'f64', unit: '', semantics: 'instant', description: '' },
      { name: 'n', type: 'u64', unit: 'ops', semantics: 'counter', description: '' },
      { name: 'state', type: 'string', unit: '', semantics: 'discrete', description: '' },
    ],
  },
}));

export function crashKeys(): string[] {
  return SETS.map((s) => `Crash::${s.host}:load`);
}

/** The values of set `s` at time `t`: a pure function, so any process can check them. */
export function crashValues(s: number, t: number): { x: number; n: number; state: string } {
  const k = t / 1000;
  return { x: (k % 997) / 8 + s, n: k * (s + 3), state: `v${Math.floor(k / 7) % 5}` };
}

export function crashItem(s: number, t: number): AppendItem {
  const v = crashValues(s, t);
  return {
    set: SETS[s]!,
    sample: {
      timestampMs: t,
      values: Float64Array.of(v.x, v.n, NaN),
      strings: [undefined, undefined, v.state],
    },
  };
}
