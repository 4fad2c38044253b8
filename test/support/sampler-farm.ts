/**
 * Many real samplers in one test process, each with its own loopback listener
 * for pulling aggregators, recording every timestamp it produced per host so
 * tests can prove nothing was lost.
 */
import { silentLogger, systemClock } from '../../src/common/index.js';
import type { Logger } from '../../src/common/index.js';
import { Sampler } from '../../src/sampler/index.js';
import type { PluginSpec } from '../../src/sampler/index.js';

export interface FarmMember {
  name: string;
  host: string;
  port: number;
}

export interface SamplerFarm {
  readonly samplers: Map<string, Sampler>;
  /** Timestamps produced, per host (ascending). */
  readonly produced: Map<string, number[]>;
  stop(): Promise<void>;
}

export async function startSamplerFarm(o: {
  members: readonly FarmMember[];
  ous: readonly string[] | ((host: string) => readonly string[]);
  plugins: readonly PluginSpec[];
  replayBufferBytes?: number;
  logger?: Logger;
}): Promise<SamplerFarm> {
  const samplers = new Map<string, Sampler>();
  const produced = new Map<string, number[]>();
  for (const m of o.members) {
    const times: number[] = [];
    produced.set(m.host, times);
    const s = new Sampler({
      name: m.name,
      host: m.host,
      ous: typeof o.ous === 'function' ? o.ous(m.host) : o.ous,
      plugins: o.plugins,
      putListen: { host: '127.0.0.1', port: m.port, auth: { mode: 'none' } },
      replayBufferBytes: o.replayBufferBytes ?? 16 * 1024 * 1024,
      clock: systemClock,
      logger: o.logger ?? silentLogger,
      onSamples: (batch) => {
        for (const x of batch)
          if (times[times.length - 1] !== x.sample.timestampMs) times.push(x.sample.timestampMs);
      },
    });
    await s.start();
    samplers.set(m.name, s);
  }
  return {
    samplers,
    produced,
    async stop() {
      await Promise.all([...samplers.values()].map((s) => s.shutdown()));
    },
  };
}
