import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../common/index.js';
import type { PluginContext, PluginSample, SamplerPlugin } from '../plugin.js';
import { createPlugin } from './registry.js';

const CTX: PluginContext = {
  host: 'unused',
  ous: ['Scale'],
  procRoot: '/proc',
  clock: systemClock,
};
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const SEC = 1000;

function synth(config: Record<string, unknown>): SamplerPlugin {
  return createPlugin('synthetic', CTX, config);
}

const valuesOf = (samples: PluginSample[]): number[][] =>
  samples.map((s) => Array.from(s.sample.values));

describe('synthetic plugin', () => {
  it('impersonates N hosts with M metrics, split into sets of at most 100', async () => {
    const samples = await synth({ hosts: 7, metrics: 250, seed: 3 }).sample(T0);
    assert.equal(samples.length, 7 * 3);
    assert.deepEqual(new Set(samples.map((s) => s.set.host)).size, 7);
    assert.equal(samples[0]?.set.host, 'synth-0');
    assert.deepEqual(samples[0]?.set.ous, ['Scale']);
    assert.deepEqual(samples[2]?.set.groups, ['synth', 'g2']);
    const perHost = samples.slice(0, 3).reduce((n, s) => n + s.sample.values.length, 0);
    assert.equal(perHost, 250);
    assert.ok(samples.every((s) => s.sample.values.length <= 100));
    assert.ok(samples.every((s) => s.set.schema.metrics.length === s.sample.values.length));

    const one = await synth({
      hosts: 2,
      metrics: 40,
      hostPrefix: 'n',
      firstHost: 10,
      ou: ['A', 'B'],
    }).sample(T0);
    assert.deepEqual(
      one.map((s) => [s.set.host, s.set.groups.join(':')]),
      [
        ['n10', 'synth'],
        ['n11', 'synth'],
      ],
    );
    assert.deepEqual(one[0]?.set.ous, ['A', 'B']);
  });

  it('is deterministic: same seed same values, whatever ticks a run sampled before', async () => {
    const a = synth({ hosts: 20, metrics: 50, seed: 42 });
    const b = synth({ hosts: 20, metrics: 50, seed: 42 });
    const c = synth({ hosts: 20, metrics: 50, seed: 43 });
    for (let k = 0; k < 40; k++) await a.sample(T0 + k * SEC + 17); // a steps tick by tick
    const tEnd = T0 + 39 * SEC + 250;
    const fromA = valuesOf(await a.sample(tEnd));
    const fromB = valuesOf(await b.sample(tEnd)); // b starts cold at the same tick
    assert.deepEqual(fromA, fromB);
    assert.notDeepEqual(valuesOf(await c.sample(tEnd)), fromA);
    // Jumping back and forth lands on the same values too.
    await b.sample(tEnd - 100 * SEC);
    assert.deepEqual(valuesOf(await b.sample(tEnd)), fromA);
  });

  it('mixes ~60% gauges with 2 decimals, ~30% growing counters and ~10% constants', async () => {
    const plugin = synth({ hosts: 3, metrics: 1000, seed: 9, groups: 1 });
    const [first] = await plugin.sample(T0);
    assert.ok(first);
    const metrics = first.set.schema.metrics;
    const count = (semantics: string): number =>
      metrics.filter((m) => m.semantics === semantics).length;
    assert.ok(Math.abs(count('instant') - 600) < 60, `gauges ${count('instant')}`);
    assert.ok(Math.abs(count('counter') - 300) < 50, `counters ${count('counter')}`);
    assert.ok(Math.abs(count('discrete') - 100) < 35, `constants ${count('discrete')}`);

    let prev = valuesOf(await plugin.sample(T0));
    const changed = new Set<number>();
    for (let k = 1; k <= 100; k++) {
      // Skip ticks now and then so the window is rebuilt, not only slid.
      const now = valuesOf(await plugin.sample(T0 + (k + 5 * Math.floor(k / 10)) * SEC));
      now.forEach((host, h) =>
        host.forEach((v, i) => {
          const before = prev[h]![i]!;
          const m = metrics[i]!;
          if (m.semantics === 'counter') assert.ok(v > before, `${m.name} grew: ${before} -> ${v}`);
          if (m.semantics === 'discrete') assert.equal(v, before);
          if (m.semantics === 'instant') {
            assert.equal(Math.round(v * 100) / 100, v, `${m.name} has 2 decimals: ${v}`);
            assert.ok(v > 0);
            if (v !== before) changed.add(i);
          }
          assert.ok(Number.isSafeInteger(Math.round(v)));
        }),
      );
      prev = now;
    }
    assert.ok(changed.size >= count('instant') * 0.95, 'gauges wander');
  });

  it('returns the same sets every tick and fresh value arrays', async () => {
    const plugin = synth({ hosts: 4, metrics: 10 });
    const a = await plugin.sample(T0);
    const b = await plugin.sample(T0 + SEC);
    a.forEach((s, i) => {
      assert.equal(s.set, b[i]?.set);
      assert.notEqual(s.sample.values, b[i]?.sample.values);
      assert.equal(s.sample.timestampMs, T0);
    });
  });

  it('validates its options', () => {
    assert.throws(() => synth({ hosts: 0 }), {
      code: 'CANOPY_ERR_PLUGIN_CONFIG',
      message: /synthetic.*hosts/u,
    });
    assert.throws(() => synth({ hosts: 200_000, metrics: 100 }), { message: /hosts × metrics/u });
    assert.throws(() => synth({ metrics: 10, groups: 11 }), { message: /option groups/u });
    assert.throws(() => synth({ hostPrefix: 'bad host' }), { message: /option hostPrefix/u });
    assert.throws(() => synth({ ou: [] }), { message: /option ou/u });
    assert.throws(() => synth({ seed: -1 }), { message: /option seed/u });
  });
});
