import type { LatestPoint, RangeSeries, Selector } from '../model/index.js';
import type { SelfMetric } from './exposition.js';

/** How a request reached this node, for forwarding through the tree. */
export interface QueryContext {
  /** Nodes the query already passed through (0 = asked directly). */
  hops: number;
  /** The original query parameters, forwarded as they are to delegates. */
  params: URLSearchParams;
  /** Asked by an upper node: answer with the bare item array (see RAW_HEADER). */
  raw: boolean;
  /** The request's Accept header (content negotiation, e.g. OpenMetrics on /metrics). */
  accept?: string;
}

/** A subtree answer: what was found, and which delegates did not answer. */
export interface Routed<T> {
  items: T[];
  /** Delegates' items as JSON text (contents of a JSON array), spliced in unparsed. */
  fragments: string[];
  missing: { delegate: string; error: string }[];
}

/**
 * What the HTTP API needs from whatever holds the data (an aggregator and
 * the delegates below it). Kept narrow so the API does not depend on the
 * daemons.
 */
export interface QuerySource {
  latest(selector: Selector, limit: number, ctx: QueryContext): Promise<Routed<LatestPoint>>;
  range(
    selector: Selector,
    fromMs: number,
    toMs: number,
    limit: number,
    ctx: QueryContext,
  ): Promise<Routed<RangeSeries>>;
  /** Evaluate a query expression (docs/query.md) over the subtree. */
  query(
    text: string,
    opts: {
      fromMs: number;
      toMs: number;
      stepMs?: number | undefined;
      interpolation?: 'nearest' | 'linear' | 'none' | undefined;
    },
    ctx: QueryContext,
  ): Promise<{ series: unknown[]; missing: { delegate: string; error: string }[] }>;
  /** OU-level summaries (count/sum/min/max/avg per OU and metric). */
  summary(selector: Selector, fromMs: number, toMs: number, depth: number | undefined): unknown[];
  /** Hosts up/down per OU under an OU prefix (empty = everything). */
  hosts(ouPrefix: readonly string[]): unknown[];
  tree(): unknown;
  status(): unknown;
  /**
   * Follow new points of every series the selector matches, as they are
   * stored; returns the function that stops following.
   */
  follow(
    selector: Selector,
    onPoints: (batch: { name: string; points: [number, number][] }[]) => void,
  ): () => void;
  /** This node's own health, served at `/metrics`. */
  selfMetrics(): SelfMetric[];
}
