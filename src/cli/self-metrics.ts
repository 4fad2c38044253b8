import type { AggregatorStats } from '../aggregator/index.js';
import type { SelfMetric } from '../api/index.js';
import type { UplinkStats } from '../link/index.js';
import type { SamplerStats } from '../sampler/index.js';

const one = (
  name: string,
  help: string,
  type: SelfMetric['type'],
  value: number,
  labels?: Record<string, string>,
): SelfMetric => ({
  name,
  help,
  type,
  samples: [{ value, ...(labels ? { labels } : {}) }],
});

function uplinkMetrics(daemon: string, uplinks: readonly UplinkStats[]): SelfMetric[] {
  const per = (
    name: string,
    help: string,
    type: SelfMetric['type'],
    pick: (u: UplinkStats) => number,
  ): SelfMetric => ({
    name,
    help,
    type,
    samples: uplinks.map((u) => ({
      labels: { daemon, uplink: u.name, mode: u.mode },
      value: pick(u),
    })),
  });
  return [
    per(
      'canopy_uplink_connected',
      'Whether the uplink is connected (1) or not (0).',
      'gauge',
      (u) => (u.connected ? 1 : 0),
    ),
    per(
      'canopy_replay_buffer_bytes',
      'Bytes held in the uplink replay buffer.',
      'gauge',
      (u) => u.buffer.bytes,
    ),
    per(
      'canopy_replay_buffer_samples',
      'Samples held in the uplink replay buffer (unsent or unacknowledged).',
      'gauge',
      (u) => u.buffer.samples,
    ),
    per(
      'canopy_replay_buffer_dropped_samples_total',
      'Samples dropped because the replay buffer was full.',
      'counter',
      (u) => u.buffer.droppedSamples,
    ),
    per(
      'canopy_uplink_acked_samples_total',
      'Samples acknowledged by the upper node.',
      'counter',
      (u) => u.buffer.ackedSamples,
    ),
    per(
      'canopy_uplink_sent_bytes_total',
      'Bytes sent on the uplink.',
      'counter',
      (u) => u.link?.bytesSent ?? 0,
    ),
  ];
}

/** Self-metrics of an aggregator (and its in-process sampler, for `canopy up`). */
export function selfMetrics(agg: AggregatorStats, sampler?: SamplerStats): SelfMetric[] {
  const d = agg.name;
  // Producers reach us both ways: they push (ingest listener) or we pull.
  const pulled = agg.pulls.reduce(
    (n, p) => ({
      samples: n.samples + p.samplesIn,
      frames: n.frames + p.framesIn,
      connected: n.connected + (p.state === 'connected' ? 1 : 0),
    }),
    { samples: 0, frames: 0, connected: 0 },
  );
  const out: SelfMetric[] = [
    one(
      'canopy_ingest_samples_total',
      'Set samples received from producers (pushed or pulled).',
      'counter',
      agg.ingest.samplesIn + pulled.samples,
      { daemon: d },
    ),
    one(
      'canopy_ingest_frames_total',
      'Data frames received from producers (pushed or pulled).',
      'counter',
      agg.ingest.framesIn + pulled.frames,
      { daemon: d },
    ),
    one(
      'canopy_ingest_connections',
      'Open producer connections (accepted and dialled).',
      'gauge',
      agg.ingest.connections + pulled.connected,
      { daemon: d },
    ),
    one(
      'canopy_ingest_rejected_total',
      'Connections refused at the handshake.',
      'counter',
      agg.ingest.rejectedTotal,
      { daemon: d },
    ),
    one('canopy_live_series', 'Series in the live tree.', 'gauge', agg.live.series, { daemon: d }),
    one('canopy_live_bytes', 'Bytes held by the live tree.', 'gauge', agg.live.bytes, {
      daemon: d,
    }),
    one(
      'canopy_live_duplicates_total',
      'Replayed samples already held, ignored.',
      'counter',
      agg.live.duplicates,
      { daemon: d },
    ),
    one(
      'canopy_summary_series',
      'Summary series received from delegates.',
      'gauge',
      agg.summaries.series,
      { daemon: d },
    ),
    one(
      'canopy_delegates_connected',
      'Lower nodes connected.',
      'gauge',
      agg.delegates.filter((x) => x.connected).length,
      { daemon: d },
    ),
    one(
      'canopy_expired_sets_total',
      'Sets dropped from the live tree after DMAX.',
      'counter',
      agg.expiredSets,
      { daemon: d },
    ),
    ...uplinkMetrics(d, agg.uplinks),
  ];
  if (sampler) {
    const s = sampler.name;
    out.push(
      one(
        'canopy_sampler_samples_total',
        'Set samples produced by the sampler plugins.',
        'counter',
        sampler.samplesProduced,
        { daemon: s },
      ),
      one(
        'canopy_sampler_values_total',
        'Values produced by the sampler plugins.',
        'counter',
        sampler.valuesProduced,
        { daemon: s },
      ),
      {
        name: 'canopy_sampler_plugin_errors_total',
        help: 'Plugin ticks that failed.',
        type: 'counter',
        samples: sampler.plugins.map((p) => ({
          labels: { daemon: s, plugin: p.name },
          value: p.errors,
        })),
      },
      {
        name: 'canopy_sampler_skipped_ticks_total',
        help: 'Sampling slots skipped because the previous tick was still running.',
        type: 'counter',
        samples: sampler.plugins.map((p) => ({
          labels: { daemon: s, plugin: p.name },
          value: p.skippedTicks,
        })),
      },
      ...uplinkMetrics(s, sampler.uplinks),
    );
  }
  return out;
}
