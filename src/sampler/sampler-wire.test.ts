import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createLogger, systemClock } from '../common/index.js';
import { PullLink, controlBody, parseControl } from '../link/index.js';
import type { ControlMessage, ReceivedSample } from '../link/index.js';
import { setInstanceKey } from '../model/index.js';
import type { JsonValue } from '../protocol/index.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import type { PluginSample, PluginSpec } from './plugin.js';
import { Sampler } from './sampler-daemon.js';

const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const quiet = createLogger({ write: () => undefined });

async function waitFor(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !ok(); i++) await sleep(5);
  assert.ok(ok(), `timed out waiting for ${what}`);
}

const synthetic = (intervalMs: number): PluginSpec => ({
  name: 'synthetic',
  intervalMs,
  offsetMs: 0,
  config: { hosts: 2, metrics: 3, intervalMs },
});

async function startSampler(
  onSamples?: (s: readonly PluginSample[]) => void,
): Promise<{ sampler: Sampler; port: number }> {
  const sampler = new Sampler({
    name: 'sampler-1',
    host: 'node-1',
    ous: ['Lab'],
    plugins: [synthetic(100)],
    putListen: { host: '127.0.0.1', port: 0, auth: { mode: 'none' } },
    replayBufferBytes: 1 << 22,
    clock: systemClock,
    logger: quiet,
    ...(onSamples ? { onSamples } : {}),
  });
  closers.push(() => sampler.shutdown());
  const { putPort } = await sampler.start();
  return { sampler, port: putPort! };
}

function pull(
  port: number,
  name: string,
  onSamples: (s: ReceivedSample[]) => void | Promise<void>,
  extra: Partial<ConstructorParameters<typeof PullLink>[0]> = {},
): PullLink {
  const link = new PullLink({
    host: '127.0.0.1',
    port,
    name,
    auth: { mode: 'none' },
    mode: 'full',
    clock: systemClock,
    logger: quiet,
    backoff: { initialMs: 10, maxMs: 50 },
    onSamples: (_peer, s) => onSamples(s),
    ...extra,
  });
  closers.push(() => link.close());
  return link;
}

const key = (s: { set: Parameters<typeof setInstanceKey>[0]; sample: { timestampMs: number } }) =>
  `${setInstanceKey(s.set)}@${s.sample.timestampMs}`;

test('failover over the wire: B takes over what A never acknowledged, so A ∪ B covers every slot', async () => {
  const produced: { key: string; ts: number }[] = [];
  const { sampler, port } = await startSampler((samples) => {
    for (const s of samples) produced.push({ key: key(s), ts: s.sample.timestampMs });
  });
  // A reaches the sampler through a proxy so its connection can be cut like a cable.
  const proxy = new TcpProxy({ host: '127.0.0.1', port });
  await proxy.listen();
  closers.push(() => proxy.close());

  const gotA = new Set<string>();
  let aCrashed = false;
  const a = pull(proxy.port, 'agg-a', (samples) => {
    // A dies mid-stream: it keeps reading frames but never stores or acknowledges them.
    if (aCrashed) return new Promise<void>(() => undefined);
    for (const s of samples) gotA.add(key(s));
    return undefined;
  });
  a.start();
  await waitFor('A stored ten slots', () => gotA.size >= 20);
  const firstTs = Math.min(...[...gotA].map((k) => Number(k.split('@')[1])));
  aCrashed = true;
  const storedByA = gotA.size;
  // Frames after the first unstored one queue behind it at A: sent, never acknowledged.
  await waitFor('A read a frame it will never acknowledge', () => a.stats().samplesIn > storedByA);
  const producedAtHang = produced.length;
  await waitFor('more frames in flight to A', () => produced.length >= producedAtHang + 6);
  proxy.cutAll();
  a.close();
  const producedAtCut = produced.length;
  await waitFor('slots produced while nobody pulls', () => produced.length >= producedAtCut + 4);
  const orphan = sampler.stats().uplinks.find((u) => u.name === 'pull:agg-a:full');
  assert.ok(orphan && orphan.buffer.samples >= 8, `A's buffer holds ${orphan?.buffer.samples}`);

  const producedBeforeB = Math.max(...produced.map((p) => p.ts));
  const gotB: { key: string; set: string; ts: number }[] = [];
  const b = pull(
    port,
    'agg-b',
    (samples) => {
      for (const s of samples)
        gotB.push({ key: key(s), set: setInstanceKey(s.set), ts: s.sample.timestampMs });
    },
    { takeover: () => ['agg-a'] },
  );
  b.start();
  await waitFor('B subscribed', () =>
    sampler.stats().uplinks.some((u) => u.name === 'pull:agg-b:full'),
  );
  const lastTs = Math.max(...produced.map((p) => p.ts)) + 300;
  await waitFor('B caught up', () => gotB.some((x) => x.ts >= lastTs));

  const received = new Set([...gotA, ...gotB.map((x) => x.key)]);
  const expected = produced.filter((p) => p.ts >= firstTs && p.ts <= lastTs);
  const missing = expected.filter((p) => !received.has(p.key));
  assert.deepEqual(missing, [], 'no gap between what A stored and what B received');
  assert.ok(expected.length >= 30, `${expected.length} samples checked`);
  for (const set of new Set(gotB.map((x) => x.set))) {
    const ts = gotB.filter((x) => x.set === set).map((x) => x.ts);
    assert.ok(
      ts.every((t, i) => i === 0 || t > ts[i - 1]!),
      `B got ${set} in order, once`,
    );
  }
  const inherited = gotB.filter((x) => x.ts <= producedBeforeB);
  assert.ok(
    inherited.length >= 8,
    `B got ${inherited.length} samples produced before it subscribed`,
  );
  assert.deepEqual(
    sampler.stats().uplinks.map((u) => u.name),
    ['pull:agg-b:full'],
    "A's uplink is gone",
  );
});

test('configure sent by a puller reaches the sampler and a configure-result comes back', async () => {
  const produced: number[] = [];
  const { sampler, port } = await startSampler((samples) => {
    for (const s of samples) if (s.set.host === 'synth-0') produced.push(s.sample.timestampMs);
  });
  const results: ControlMessage[] = [];
  const configure = (revision: number, plugins: PluginSpec[]): JsonValue =>
    controlBody({ op: 'configure', revision, plugins });
  const link = pull(port, 'agg', () => undefined, {
    onConnected: (send) => send(configure(1, [synthetic(300)])),
    onControl: (_peer, body) => {
      const c = parseControl(body);
      if (c?.op === 'configure-result') results.push(c);
    },
  });
  assert.equal(link.sendControl(configure(9, [])), false, 'not connected yet');
  link.start();
  await waitFor('first result', () => results.length === 1);
  assert.deepEqual(results[0], { op: 'configure-result', revision: 1, ok: true });
  assert.equal(sampler.stats().configRevision, 1);
  assert.equal(sampler.stats().plugins[0]?.intervalMs, 300);
  const from = produced.length;
  await waitFor('samples on the new schedule', () => produced.length >= from + 4);
  const recent = produced.slice(from + 1);
  assert.ok(
    recent.every((t) => t % 300 === 0),
    `timestamps ${recent.join(',')}`,
  );

  const bad = [synthetic(300), { name: 'loadavg', intervalMs: 100, offsetMs: 0, config: { x: 1 } }];
  assert.equal(link.sendControl(configure(2, bad)), true);
  await waitFor('second result', () => results.length === 2);
  const r = results[1];
  assert.ok(r?.op === 'configure-result' && r.revision === 2 && !r.ok);
  assert.match(r.error ?? '', /loadavg/);
  assert.equal(link.sendControl(configure(1, [synthetic(200)])), true);
  await waitFor('third result', () => results.length === 3);
  assert.deepEqual(
    results[2],
    { op: 'configure-result', revision: 1, ok: true },
    'same revision: fine',
  );
  assert.equal(sampler.stats().configRevision, 1);
  assert.equal(sampler.stats().plugins[0]?.intervalMs, 300);
});
