/** One sample of a self-metric, in Prometheus text exposition. */
export interface SelfMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels?: Record<string, string>; value: number }[];
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
export function renderExposition(metrics: readonly SelfMetric[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) lines.push(sampleLine(m.name, s));
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
export function renderOpenMetrics(metrics: readonly SelfMetric[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    const family = m.type === 'counter' ? m.name.replace(/_total$/, '') : m.name;
    lines.push(`# TYPE ${family} ${m.type}`, `# HELP ${family} ${escapeHelp(m.help)}`);
    const sample = m.type === 'counter' ? `${family}_total` : m.name;
    for (const s of m.samples) lines.push(sampleLine(sample, s));
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}
