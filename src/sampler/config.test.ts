import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../common/index.js';
import { loadSamplerConfig } from './config.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'canopy-sampler-')), 'sampler.yaml');
  writeFileSync(path, text);
  return path;
}

test('plugins with their own schedules and options, and a send filter', () => {
  const c = loadSamplerConfig(
    file(`host: node-7
ou: Lab:Rack1
aggregator: 127.0.0.1:7470
listen: off
interval: 1s
offset: 200ms
plugins:
  - cpu
  - { name: meminfo, interval: 5s, offset: 1s }
  - name: procstat
    config: { match: "^sshd$", top: 5 }
send_filter:
  max_silence: 30s
  rules:
    - { match: "loadavg:*", absolute: 0.05 }
`),
  );
  assert.equal(c.host, 'node-7');
  assert.deepEqual(c.ous, ['Lab', 'Rack1']);
  assert.deepEqual(c.aggregator, { host: '127.0.0.1', port: 7470 });
  assert.equal(c.listen, null);
  assert.deepEqual(
    c.plugins.map((p) => [p.name, p.intervalMs, p.offsetMs]),
    [
      ['cpu', 1000, 200],
      ['meminfo', 5000, 1000],
      ['procstat', 1000, 200],
    ],
  );
  assert.deepEqual(c.plugins[2]?.config, { match: '^sshd$', top: 5 });
  assert.deepEqual(c.sendFilter, {
    enabled: true,
    rules: [{ match: 'loadavg:*', absolute: 0.05 }],
    maxSilenceMs: 30_000,
  });
});

test('bad plugins, schedules and options are all reported with their place', () => {
  const path = file(`plugins:
  - nosuchplugin
  - { name: cpu, interval: 1s, offset: 2s }
  - { name: diskstats, config: { include: "(" } }
send_filter:
  rules:
    - { match: "x", absolute: 1, relative_pct: 5 }
`);
  let err: unknown;
  try {
    loadSamplerConfig(path);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError, String(err));
  const msg = err.message;
  assert.match(msg, new RegExp(`${path}:2:5 plugins\\[0\\]: .*nosuchplugin`));
  assert.match(msg, new RegExp(`${path}:3:5 plugins\\[1\\]: .*offset`));
  assert.match(msg, new RegExp(`${path}:4:5 plugins\\[2\\]: .*include`));
  assert.match(msg, new RegExp(`${path}:7:7 send_filter.rules\\[0\\]: give exactly one`));
  assert.equal(err.problems.length, 4);
});

test('without plugins the default /proc set is used', () => {
  const c = loadSamplerConfig(file('ou: Lab\n'));
  assert.deepEqual(
    c.plugins.map((p) => p.name),
    ['cpu', 'meminfo', 'vmstat', 'loadavg', 'netdev', 'diskstats'],
  );
  assert.equal(c.sendFilter, undefined);
});
