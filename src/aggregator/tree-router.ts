import { HOPS_HEADER } from '../common/index.js';
import type { LatestPoint, RangeSeries, Selector } from '../model/index.js';
import type { Delegate, Delegates } from './delegates.js';

/** A query is never forwarded through more nodes than this (guards against loops). */
export const MAX_HOPS = 8;

export interface RoutedResult<T> {
  items: T[];
  /** Delegates that did not answer; the result is partial when this is non-empty. */
  missing: { delegate: string; error: string }[];
}

export interface TreeRouterOptions {
  delegates: Delegates;
  timeoutMs: number;
}

/**
 * Answers queries for a node's whole subtree: what the node holds itself,
 * merged with the answers of the summary-mode delegates whose OUs may hold
 * matches (each asked over its HTTP API, in parallel, with a deadline).
 */
export class TreeRouter {
  readonly #o: TreeRouterOptions;

  constructor(options: TreeRouterOptions) {
    this.#o = options;
  }

  async latest(
    selector: Selector,
    query: URLSearchParams,
    hops: number,
    local: LatestPoint[],
  ): Promise<RoutedResult<LatestPoint>> {
    return this.#route(
      selector,
      'latest',
      query,
      hops,
      local,
      (body) => (body as { points?: LatestPoint[] }).points ?? [],
    );
  }

  async range(
    selector: Selector,
    query: URLSearchParams,
    hops: number,
    local: RangeSeries[],
  ): Promise<RoutedResult<RangeSeries>> {
    return this.#route(
      selector,
      'range',
      query,
      hops,
      local,
      (body) => (body as { series?: RangeSeries[] }).series ?? [],
    );
  }

  async #route<T extends { name: string }>(
    selector: Selector,
    path: 'latest' | 'range',
    query: URLSearchParams,
    hops: number,
    local: T[],
    pick: (body: unknown) => T[],
  ): Promise<RoutedResult<T>> {
    const delegates =
      hops >= MAX_HOPS ? [] : this.#o.delegates.forQuery((ous) => selector.matchesOuSubtree(ous));
    const answers = await Promise.all(delegates.map((d) => this.#ask(d, path, query, hops)));
    const seen = new Set(local.map((x) => x.name));
    const items = [...local];
    const missing: { delegate: string; error: string }[] = [];
    answers.forEach((a, i) => {
      if ('error' in a) {
        missing.push({ delegate: delegates[i]!.name, error: a.error });
        return;
      }
      for (const x of pick(a.body)) {
        if (!seen.has(x.name)) {
          seen.add(x.name);
          items.push(x);
        }
      }
      for (const m of (a.body as { missing?: { delegate: string; error: string }[] }).missing ?? [])
        missing.push(m);
    });
    return { items, missing };
  }

  async #ask(
    d: Delegate,
    path: string,
    query: URLSearchParams,
    hops: number,
  ): Promise<{ body: unknown } | { error: string }> {
    const url = `${d.api}/api/${path}?${query.toString()}`;
    try {
      const res = await fetch(url, {
        headers: { [HOPS_HEADER]: String(hops + 1) },
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      const body: unknown = await res.json();
      if (!res.ok)
        return {
          error: `HTTP ${res.status}: ${JSON.stringify((body as { error?: unknown }).error ?? body)}`,
        };
      return { body };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }
}
