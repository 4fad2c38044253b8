/** One sample of a self-metric, in Prometheus text exposition. */
export interface SelfMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels?: Record<string, string>; value: number }[];
}

/** A histogram: per-bound (non-cumulative) counts, rendered as cumulative buckets. */
export interface HistogramMetric {
  name: string;
  help: string;
  /** Upper bounds, ascending; `+Inf` is implied. */
  bounds: readonly number[];
  series: {
    labels: Record<string, string>;
    counts: readonly number[];
    sum: number;
    count: number;
  }[];
}

function histogramLines(h: HistogramMetric): string[] {
  const lines: string[] = [];
  for (const s of h.series) {
    let cumulative = 0;
    h.bounds.forEach((b, i) => {
      cumulative += s.counts[i] ?? 0;
      lines.push(
        sampleLine(`${h.name}_bucket`, {
          labels: { ...s.labels, le: String(b) },
          value: cumulative,
        }),
      );
    });
    lines.push(
      sampleLine(`${h.name}_bucket`, { labels: { ...s.labels, le: '+Inf' }, value: s.count }),
    );
    lines.push(sampleLine(`${h.name}_sum`, { labels: s.labels, value: s.sum }));
    lines.push(sampleLine(`${h.name}_count`, { labels: s.labels, value: s.count }));
  }
  return lines;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Both text formats escape `\\` and newlines in HELP text. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function sampleLine(name: string, s: SelfMetric['samples'][number]): string {
  const labels = Object.entries(s.labels ?? {});
  const l =
    labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
  const v = Number.isFinite(s.value)
    ? s.value
    : s.value > 0
      ? '+Inf'
      : s.value < 0
        ? '-Inf'
        : 'NaN';
  return `${name}${l} ${v}`;
}

/** Render self-metrics in the Prometheus text format (version 0.0.4). */
export function renderExposition(
  metrics: readonly SelfMetric[],
  histograms: readonly HistogramMetric[] = [],
): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) lines.push(sampleLine(m.name, s));
  }
  for (const h of histograms) {
    lines.push(`# HELP ${h.name} ${escapeHelp(h.help)}`, `# TYPE ${h.name} histogram`);
    lines.push(...histogramLines(h));
  }
  return lines.join('\n') + '\n';
}

export const OPENMETRICS_CONTENT_TYPE =
  'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** OpenMetrics when the scraper asks for it (Prometheus does) or `?format=openmetrics`. */
export function wantsOpenMetrics(url: URL, ctx: { accept?: string }): boolean {
  const format = url.searchParams.get('format');
  if (format !== null) return format === 'openmetrics';
  return (ctx.accept ?? '').includes('application/openmetrics-text');
}

/**
 * Render self-metrics in OpenMetrics 1.0 text: a counter's family drops the
 * `_total` suffix its samples carry, HELP text escapes `\\` and newlines, and
 * the exposition ends with `# EOF`.
 */
export function renderOpenMetrics(
  metrics: readonly SelfMetric[],
  histograms: readonly HistogramMetric[] = [],
): string {
  const lines: string[] = [];
  for (const h of histograms) {
    lines.push(`# TYPE ${h.name} histogram`, `# HELP ${h.name} ${escapeHelp(h.help)}`);
    lines.push(...histogramLines(h));
  }
  for (const m of metrics) {
    const family = m.type === 'counter' ? m.name.replace(/_total$/, '') : m.name;
    lines.push(`# TYPE ${family} ${m.type}`, `# HELP ${family} ${escapeHelp(m.help)}`);
    const sample = m.type === 'counter' ? `${family}_total` : m.name;
    for (const s of m.samples) lines.push(sampleLine(sample, s));
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}
