import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderExposition, renderOpenMetrics, wantsOpenMetrics } from './exposition.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { SelfMetric } from './exposition.js';

const METRICS: SelfMetric[] = [
  {
    name: 'canopy_ingest_samples_total',
    help: 'Samples in.\nSecond line with a \\ backslash.',
    type: 'counter',
    samples: [{ labels: { daemon: 'l1 "a"' }, value: 12 }],
  },
  { name: 'canopy_live_series', help: 'Series.', type: 'gauge', samples: [{ value: Infinity }] },
];

test('Prometheus text 0.0.4: families named as the samples, HELP escaped, no EOF', () => {
  assert.equal(
    renderExposition(METRICS),
    [
      '# HELP canopy_ingest_samples_total Samples in.\\nSecond line with a \\\\ backslash.',
      '# TYPE canopy_ingest_samples_total counter',
      'canopy_ingest_samples_total{daemon="l1 \\"a\\""} 12',
      '# HELP canopy_live_series Series.',
      '# TYPE canopy_live_series gauge',
      'canopy_live_series +Inf',
      '',
    ].join('\n'),
  );
});

test('OpenMetrics 1.0: counter families drop _total, HELP is escaped, the text ends with # EOF', () => {
  assert.equal(
    renderOpenMetrics(METRICS),
    [
      '# TYPE canopy_ingest_samples counter',
      '# HELP canopy_ingest_samples Samples in.\\nSecond line with a \\\\ backslash.',
      'canopy_ingest_samples_total{daemon="l1 \\"a\\""} 12',
      '# TYPE canopy_live_series gauge',
      '# HELP canopy_live_series Series.',
      'canopy_live_series +Inf',
      '# EOF',
      '',
    ].join('\n'),
  );
});

test('OpenMetrics is served when asked for by Accept or ?format=', () => {
  const url = (q: string): URL => new URL(`http://x/metrics${q}`);
  const prom = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';
  assert.equal(wantsOpenMetrics(url(''), { accept: prom }), true);
  assert.equal(wantsOpenMetrics(url(''), { accept: 'text/plain' }), false);
  assert.equal(wantsOpenMetrics(url(''), {}), false);
  assert.equal(wantsOpenMetrics(url('?format=openmetrics'), {}), true);
  assert.equal(wantsOpenMetrics(url('?format=text'), { accept: prom }), false);
});

test('latency histograms render cumulative buckets, +Inf, sum and count in both formats', () => {
  const h = new LatencyHistogram();
  for (const s of [0.0005, 0.003, 0.003, 20]) h.observe('/api/latest', s);
  const text = renderExposition([], [h.metric()]);
  assert.match(text, /^# TYPE canopy_api_request_duration_seconds histogram$/m);
  const bucket = (le: string): number =>
    Number(
      new RegExp(`_bucket\\{route="/api/latest",le="${le.replace('+', '\\+')}"\\} (\\S+)`).exec(
        text,
      )?.[1],
    );
  assert.deepEqual(
    [bucket('0.001'), bucket('0.0025'), bucket('0.005'), bucket('10'), bucket('+Inf')],
    [1, 1, 3, 3, 4],
  );
  assert.match(text, /_count\{route="\/api\/latest"\} 4$/m);
  assert.match(text, /_sum\{route="\/api\/latest"\} 20\.0065/m);
  const om = renderOpenMetrics([], [h.metric()]);
  assert.match(om, /^# TYPE canopy_api_request_duration_seconds histogram\n# HELP /m);
  assert.ok(om.endsWith('# EOF\n'));
});
