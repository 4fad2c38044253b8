import type { Aggregator } from '../aggregator/index.js';
import type { QuerySource } from '../api/index.js';
import type { Sampler } from '../sampler/index.js';
import { selfMetrics } from './self-metrics.js';

/** Serve an aggregator (and the subtree below it; an in-process sampler too) through the HTTP API. */
export function aggregatorSource(agg: Aggregator, sampler?: Sampler): QuerySource {
  return {
    latest: (sel, limit, ctx) => agg.latest(sel, ctx.params, ctx.hops, limit),
    range: (sel, from, to, limit, ctx) => agg.range(sel, from, to, ctx.params, ctx.hops, limit),
    query: (text, opts, ctx) => agg.query(text, opts, ctx.hops),
    summary: (sel, from, to, depth) => agg.summary(sel, from, to, depth),
    hosts: (ouPrefix) => agg.hosts(ouPrefix),
    follow: (sel, onPoints) => agg.subscriptions.add(sel, onPoints),
    tree: () => agg.tree(),
    status: () => ({
      aggregators: [agg.stats()],
      ...(sampler ? { samplers: [sampler.stats()] } : {}),
    }),
    selfMetrics: () => selfMetrics(agg.stats(), sampler?.stats()),
  };
}
