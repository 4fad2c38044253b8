/**
 * One figure reported by a benchmark. Benchmarks report, they never assert:
 * `target` says what the figure is expected to reach, `baseline` is a
 * comparison measured in the same run, and `ratio` is value / baseline.value.
 */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: string;
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly ratio?: number;
}
