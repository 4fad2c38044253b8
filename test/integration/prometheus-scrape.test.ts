/**
 * A real Prometheus (Debian package `prometheus`) scrapes Canopy's /metrics —
 * it negotiates OpenMetrics, whose parser is strict — and its own query API
 * then returns Canopy's figures.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually, freePort, getJson, startCli } from './helpers.js';
import type { Daemon } from './helpers.js';

const PROMETHEUS = '/usr/bin/prometheus';
let stack: Daemon | undefined;
let prometheus: ChildProcess | undefined;

after(async () => {
  prometheus?.kill('SIGKILL');
  await stack?.kill();
});

interface PromVector {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

test('Prometheus scrapes Canopy (OpenMetrics) and answers with Canopy’s own figures', async () => {
  assert.ok(
    existsSync(PROMETHEUS),
    `${PROMETHEUS} is missing: install the Debian package prometheus`,
  );
  stack = startCli([
    'up',
    '--port',
    '0',
    '--wire-port',
    '0',
    '--put-port',
    '0',
    '--data-dir',
    'off',
  ]);
  const api = (await stack.waitFor(/Canopy is up: (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  const dir = mkdtempSync(join(tmpdir(), 'canopy-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: canopy
    static_configs: [{ targets: ['${api.replace('http://', '')}'] }]
`,
  );
  const port = await freePort();
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let promErr = '';
  prometheus.stderr!.on('data', (d: Buffer) => (promErr += d.toString()));
  const query = async (q: string): Promise<PromVector['data']['result']> => {
    const { body } = await getJson<PromVector>(
      `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`,
    );
    return body.data.result;
  };
  const up = await eventually(
    async () => {
      const r = await query('up{job="canopy"}');
      return r[0]?.value[1] === '1' ? r : undefined;
    },
    30_000,
    `Prometheus scraping Canopy (stderr: ${promErr.slice(-500)})`,
  );
  assert.equal(up.length, 1);
  const samples = await eventually(
    async () => {
      const r = await query('canopy_ingest_samples_total{daemon="local-l1"}');
      return r.length === 1 && Number(r[0]!.value[1]) > 0 ? Number(r[0]!.value[1]) : undefined;
    },
    30_000,
    'canopy_ingest_samples_total in Prometheus',
  );
  // What Prometheus holds is a value Canopy reported: never ahead of Canopy's own counter now.
  const text = await (await fetch(`${api}/metrics`)).text();
  const now = Number(/^canopy_ingest_samples_total\{daemon="local-l1"\} (\d+)$/m.exec(text)?.[1]);
  assert.ok(samples > 0 && samples <= now, `prometheus ${samples}, canopy ${now}`);
  // Every family of the exposition made it through OpenMetrics parsing.
  const families = [...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].map((m) => [m[1]!, m[2]!] as const);
  const wanted = families
    .filter(([f]) => f.startsWith('canopy_'))
    .map(([f, type]) => (type === 'histogram' ? `${f}_count` : f));
  // A family can first appear a scrape later (the latency of /metrics itself).
  const missing = await eventually(
    async () => {
      const seen = await query('count by (__name__) ({job="canopy"})');
      const names = new Set(seen.map((r) => r.metric['__name__']!));
      const left = wanted.filter((n) => !names.has(n));
      return left.length === 0 ? left : undefined;
    },
    15_000,
    `every canopy family in Prometheus (${wanted.join(', ')})`,
  );
  assert.deepEqual(missing, []);
  // The API's latency histogram: its buckets are usable by histogram_quantile.
  const p99 = await eventually(
    async () => {
      const r = await query(
        'histogram_quantile(0.99, sum by (le) (canopy_api_request_duration_seconds_bucket{route="/metrics"}))',
      );
      const v = Number(r[0]?.value[1]);
      return Number.isFinite(v) ? v : undefined;
    },
    15_000,
    'a latency quantile from the histogram',
  );
  assert.ok(p99 > 0 && p99 <= 10, `p99 ${p99}`);
});
