import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../common/index.js';
import type { ClusterSpec } from './cluster-spec.js';
import { loadClusterConfig, parseClusterConfig } from './load.js';
import { EXAMPLE_FILE, exampleText, problemsOf, smallCluster } from './test-support.js';

function daemon(spec: ClusterSpec, name: string) {
  const d = spec.daemons.find((x) => x.name === name);
  assert.ok(d, `no daemon ${name}`);
  return d;
}

test('the example resolves: names, counts, hosts, ports, roles, groups', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  assert.equal(spec.name, 'lab');
  assert.deepEqual(spec.etcd, ['http://127.0.0.1:2379']);
  assert.equal(spec.daemons.length, 14);
  const samplers = spec.daemons.filter((d) => d.role === 'sampler');
  assert.deepEqual(
    samplers.map((d) => d.name),
    Array.from({ length: 10 }, (_, i) => `sampler-${i + 1}`),
  );
  const s10 = daemon(spec, 'sampler-10');
  assert.equal(s10.host, 'node-10');
  assert.equal(s10.group, 'sampler-[1-10]');
  assert.deepEqual(s10.endpoint, {
    name: 'node-10-10002',
    host: 'node-10',
    port: 10002,
    transport: 'tcp',
    auth: { mode: 'none' },
  });
  assert.deepEqual(s10.endpoints, [s10.endpoint]);
  assert.equal(s10.api, undefined);
  const a2 = daemon(spec, 'l1-agg-2');
  assert.equal(a2.role, 'aggregator');
  assert.equal(a2.group, 'l1-agg-[1-3]');
  assert.deepEqual([a2.host, a2.endpoint.name, a2.endpoint.port], ['agg-2', 'agg-2-7470', 7470]);
  assert.deepEqual(a2.api, { host: 'agg-2', port: 8470 });
  const top = daemon(spec, 'l2-agg');
  assert.deepEqual([top.host, top.endpoint.port, top.api?.port], ['head', 7470, 8470]);
});

test('the example resolves: OUs from ous:, and the common OU of what an aggregator covers', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  assert.deepEqual(daemon(spec, 'sampler-5').ous, ['Lab', 'Rack1']);
  assert.deepEqual(daemon(spec, 'sampler-6').ous, ['Lab', 'Rack2']);
  assert.deepEqual(daemon(spec, 'l1-agg-1').ous, ['Lab']);
  assert.deepEqual(daemon(spec, 'l2-agg').ous, ['Lab']);
});

test('the example resolves: aggregator groups with levels, peers, stores', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  const [l1, l2] = spec.aggregatorGroups;
  assert.equal(spec.aggregatorGroups.length, 2);
  assert.deepEqual(l1, {
    group: 'l1-agg-[1-3]',
    members: ['l1-agg-1', 'l1-agg-2', 'l1-agg-3'],
    level: 1,
    mode: 'full',
    balance: 'count',
    peers: [
      {
        group: 'sampler-[1-10]',
        producers: Array.from({ length: 10 }, (_, i) => `sampler-${i + 1}`),
        transport: 'pull',
        reconnectMs: 20_000,
        intervalMs: 1000,
        offsetMs: 0,
        sets: '.*',
      },
    ],
    archiveDir: '/var/lib/canopy/archive',
    csv: [{ dir: '/var/lib/canopy/csv', schemas: '^meminfo$', rotateMs: 86_400_000 }],
  });
  assert.equal(l2?.group, 'l2-agg');
  assert.deepEqual(l2?.members, ['l2-agg']);
  assert.equal(l2?.level, 2);
  assert.equal(l2?.mode, 'summary');
  assert.deepEqual(l2?.peers[0]?.producers, ['l1-agg-1', 'l1-agg-2', 'l1-agg-3']);
  assert.equal(l2?.archiveDir, undefined);
  assert.deepEqual(l2?.csv, []);
});

test('the example resolves: sampler plugins with their schedules', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  assert.equal(spec.samplerGroups.length, 1);
  const g = spec.samplerGroups[0]!;
  assert.equal(g.group, 'sampler-[1-10]');
  assert.equal(g.members.length, 10);
  assert.deepEqual(g.plugins, [
    { name: 'meminfo', intervalMs: 1000, offsetMs: 0, config: {} },
    { name: 'cpu', intervalMs: 1000, offsetMs: 0, config: {} },
    { name: 'loadavg', intervalMs: 10_000, offsetMs: 500, config: {} },
  ]);
  // An aliased config is copied, so changing one plugin's options never changes another's.
  assert.notEqual(g.plugins[0]!.config, g.plugins[1]!.config);
});

test('levels: 1 + the highest peer level, through three levels', () => {
  const text = smallCluster()
    .replace(
      '  - names: agg-1\n',
      '  - names: top\n    hosts: head\n    endpoints: [{ names: top-ep, ports: 7470 }]\n' +
        '  - names: mid\n    hosts: mid\n    endpoints: [{ names: mid-ep, ports: 7470 }]\n' +
        '  - names: agg-1\n',
    )
    .replace(
      'samplers:\n',
      '  - { daemons: mid, peers: [{ daemons: agg-1 }] }\n' +
        '  - { daemons: top, peers: [{ daemons: mid }, { daemons: agg-1 }] }\nsamplers:\n',
    );
  assert.deepEqual(
    problemsOf(text).filter((p) => !p.includes('already peers')),
    [],
  );
  const spec = parseClusterConfig(
    text.replace('{ daemons: mid }, { daemons: agg-1 }', '{ daemons: mid }'),
    'c.yaml',
  );
  assert.deepEqual(
    spec.aggregatorGroups.map((g) => [g.group, g.level]),
    [
      ['agg-1', 1],
      ['mid', 2],
      ['top', 3],
    ],
  );
});

test('Maestro spellings: producers:, auth plugin ovis, passive peers, several sets', () => {
  const text = smallCluster()
    .replace(
      'ports: 10002 }',
      "ports: '[10002-10003]', auth: { name: ovis1, plugin: ovis, conf: /etc/canopy/secret } }",
    )
    .replace(
      "    peers: [{ daemons: 'sampler-[1-2]' }]\n",
      // A function: the text holds `$'`, which a replacement string would expand.
      () => `    producers:
      - daemons: 'sampler-[1-2]'
        endpoints: 'node-[1-2]-ep'
        type: passive
        reconnect: 5s
        updaters:
          - mode: push
            interval: 2s
            offset: 250ms
            sets: [{ regex: mem }, { regex: '^cpu$', field: schema }]
`,
    );
  const spec = parseClusterConfig(text, 'c.yaml');
  const s2 = spec.daemons.find((d) => d.name === 'sampler-2')!;
  assert.deepEqual(s2.endpoint.auth, { mode: 'secret', secretFile: '/etc/canopy/secret' });
  assert.equal(s2.endpoint.port, 10003);
  assert.deepEqual(spec.aggregatorGroups[0]!.peers, [
    {
      group: 'sampler-[1-2]',
      producers: ['sampler-1', 'sampler-2'],
      transport: 'push',
      reconnectMs: 5000,
      intervalMs: 2000,
      offsetMs: 250,
      sets: '(?:mem)|(?:^cpu$)',
    },
  ]);
});

test('references may be host lists of known daemons, not only whole groups', () => {
  const text = smallCluster().replace(
    "peers: [{ daemons: 'sampler-[1-2]' }]",
    "peers: [{ daemons: 'sampler-1' }, { daemons: 'sampler-2,sampler-1' }]",
  );
  assert.deepEqual(problemsOf(text), [
    "11:50 aggregators[0].peers[1].daemons: daemons 'sampler-1' are already peers of this group (peers[0])",
  ]);
  const ok = smallCluster().replace(
    "daemons: 'sampler-[1-2]' }",
    "daemons: 'sampler-1,sampler-2' }",
  );
  const peer = parseClusterConfig(ok, 'c.yaml').aggregatorGroups[0]!.peers[0]!;
  assert.deepEqual(
    [peer.group, peer.producers],
    ['sampler-1,sampler-2', ['sampler-1', 'sampler-2']],
  );
});

test('one host for all daemons needs one port per daemon', () => {
  const oneHost = smallCluster().replace("hosts: 'node-[1-2]'", 'hosts: node-1');
  assert.deepEqual(problemsOf(oneHost), [
    "5:50 daemons[0].endpoints[0].ports: duplicate endpoint node-1:10002 (already used by 'sampler-1' at daemons[0].endpoints[0].ports)",
  ]);
  const spec = parseClusterConfig(
    oneHost.replace('ports: 10002', "ports: '[10002-10003]'"),
    'c.yaml',
  );
  assert.deepEqual(
    spec.daemons.map((d) => `${d.endpoint.host}:${d.endpoint.port}`),
    ['node-1:10002', 'node-1:10003', 'agg-1:7470'],
  );
});

test('defaults: no ous: places everything under the cluster name; default plugins; no etcd', () => {
  const spec = parseClusterConfig(smallCluster(), 'c.yaml');
  assert.equal(spec.etcd, undefined);
  assert.deepEqual(
    spec.daemons.map((d) => d.ous),
    [['mini'], ['mini'], ['mini']],
  );
  assert.deepEqual(
    spec.samplerGroups[0]!.plugins.map((p) => p.name),
    ['cpu', 'meminfo', 'vmstat', 'loadavg', 'netdev', 'diskstats'],
  );
  assert.equal(spec.aggregatorGroups[0]!.balance, 'count');
});

test('a dangling alias is located, and the rest of the file is still checked', () => {
  const text = smallCluster('    plugins: [{ name: cpu, config: *nope }]\n')
    .replace('balance', 'x')
    .replace('  - daemons: agg-1\n', '  - daemons: agg-1\n    mode: fast\n');
  assert.deepEqual(problemsOf(text), [
    '11:11 aggregators[0].mode: expected one of full, summary',
    "15:36 samplers[0].plugins[0].config: unknown alias '*nope' (no anchor '&nope' before it)",
  ]);
});

test('an alias to a node that contains it is refused, not expanded forever', () => {
  const problems = problemsOf(smallCluster('    plugins: &p [cpu, *p]\n'));
  assert.deepEqual(problems, [
    "14:23 samplers[0].plugins[1]: alias '*p' refers to a node that contains it",
  ]);
});

test('a missing file is a ConfigError naming it', () => {
  assert.throws(
    () => loadClusterConfig('/nonexistent/cluster.yaml'),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems.length === 1 &&
      err.message.startsWith('/nonexistent/cluster.yaml:0:0'),
  );
});

test('the example text loads the same through parseClusterConfig', () => {
  assert.deepEqual(parseClusterConfig(exampleText(), 'x.yaml'), loadClusterConfig(EXAMPLE_FILE));
});
