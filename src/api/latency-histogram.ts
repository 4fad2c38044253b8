import type { HistogramMetric } from './exposition.js';

/** Seconds: from a sub-millisecond latest query to a ten-second history scan. */
const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Request latency per route, exposed as a Prometheus histogram. */
export class LatencyHistogram {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();

  observe(route: string, seconds: number): void {
    let s = this.#series.get(route);
    if (!s) {
      s = { counts: new Array<number>(BOUNDS.length).fill(0), sum: 0, count: 0 };
      this.#series.set(route, s);
    }
    const i = BOUNDS.findIndex((b) => seconds <= b);
    if (i >= 0) s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }

  metric(): HistogramMetric {
    return {
      name: 'canopy_api_request_duration_seconds',
      help: 'HTTP API request latency by route (queries included).',
      bounds: BOUNDS,
      series: [...this.#series].map(([route, s]) => ({
        labels: { route },
        counts: [...s.counts],
        sum: s.sum,
        count: s.count,
      })),
    };
  }
}
