import type { Aggregator } from '../aggregator/index.js';
import type { QuerySource } from '../api/index.js';

/** Serve an aggregator (and the subtree below it) through the HTTP API. */
export function aggregatorSource(
  agg: Aggregator,
  status: () => unknown = () => ({ aggregators: [agg.stats()] }),
): QuerySource {
  return {
    latest: (sel, limit, ctx) => agg.latest(sel, ctx.params, ctx.hops, limit),
    range: (sel, from, to, limit, ctx) => agg.range(sel, from, to, ctx.params, ctx.hops, limit),
    summary: (sel, from, to, depth) => agg.summary(sel, from, to, depth),
    hosts: (ouPrefix) => agg.hosts(ouPrefix),
    tree: () => agg.tree(),
    status,
  };
}
