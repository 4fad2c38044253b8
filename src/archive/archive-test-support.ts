import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricType, Semantics, SetInstance, SetSample } from '../model/index.js';

/** A fresh directory under the OS temp dir. */
export function tempDir(prefix = 'canopy-archive-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A set instance with metrics given as [name, type, semantics]. */
export function makeSet(
  host: string,
  metrics: readonly (readonly [string, MetricType, Semantics])[],
  group = 'g',
): SetInstance {
  return {
    ous: ['Lab', 'Rack1'],
    host,
    groups: [group],
    schema: {
      name: group,
      metrics: metrics.map(([name, type, semantics]) => ({
        name,
        type,
        unit: 'u',
        semantics,
        description: `${name} metric`,
      })),
    },
  };
}

/** A sample; `strings` holds the text of string metrics (NaN in values). */
export function sampleOf(
  timestampMs: number,
  values: readonly number[],
  strings: readonly (string | undefined)[] | null = null,
): SetSample {
  return { timestampMs, values: Float64Array.from(values), strings };
}

/** Same number, NaN equal to NaN, -0 distinct from +0. */
export function same(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}
