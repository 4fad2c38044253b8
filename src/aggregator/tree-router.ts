import { HOPS_HEADER, MISSING_HEADER, RAW_HEADER } from '../common/index.js';
import type { LatestPoint, RangeSeries, Selector } from '../model/index.js';
import type { Delegate, Delegates } from './delegates.js';

/** A query is never forwarded through more nodes than this (guards against loops). */
export const MAX_HOPS = 8;

export interface RoutedResult<T> {
  /** What this node holds itself. */
  items: T[];
  /**
   * Delegates' answers as JSON text: each the contents of a JSON array of
   * items (without the brackets), spliced into the response as they are.
   */
  fragments: string[];
  /** Delegates that did not answer; the result is partial when this is non-empty. */
  missing: { delegate: string; error: string }[];
}

export interface TreeRouterOptions {
  delegates: Delegates;
  timeoutMs: number;
}

type Answer =
  { fragment: string; missing: { delegate: string; error: string }[] } | { error: string };

/**
 * Answers queries for a node's whole subtree: what the node holds itself,
 * merged with the answers of the summary-mode delegates whose OUs may hold
 * matches (each asked over its HTTP API, in parallel, with a deadline).
 * Delegates answer in raw form so their items pass through without being
 * parsed and serialised again, which keeps a forwarded query nearly as cheap
 * as a direct one. Delegates hold disjoint subtrees, so nothing is merged twice.
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
    return this.#route(selector, 'latest', query, hops, local);
  }

  async range(
    selector: Selector,
    query: URLSearchParams,
    hops: number,
    local: RangeSeries[],
  ): Promise<RoutedResult<RangeSeries>> {
    return this.#route(selector, 'range', query, hops, local);
  }

  async #route<T>(
    selector: Selector,
    path: 'latest' | 'range',
    query: URLSearchParams,
    hops: number,
    local: T[],
  ): Promise<RoutedResult<T>> {
    const delegates =
      hops >= MAX_HOPS ? [] : this.#o.delegates.forQuery((ous) => selector.matchesOuSubtree(ous));
    const answers = await Promise.all(delegates.map((d) => this.#ask(d, path, query, hops)));
    const result: RoutedResult<T> = { items: local, fragments: [], missing: [] };
    answers.forEach((a, i) => {
      if ('error' in a) {
        result.missing.push({ delegate: delegates[i]!.name, error: a.error });
        return;
      }
      if (a.fragment.length > 0) result.fragments.push(a.fragment);
      result.missing.push(...a.missing);
    });
    return result;
  }

  async #ask(d: Delegate, path: string, query: URLSearchParams, hops: number): Promise<Answer> {
    const url = `${d.api}/api/${path}?${query.toString()}`;
    try {
      const res = await fetch(url, {
        headers: { [HOPS_HEADER]: String(hops + 1), [RAW_HEADER]: '1' },
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      const text = await res.text();
      if (!res.ok) return { error: `HTTP ${res.status}: ${text.slice(0, 300)}` };
      if (!text.startsWith('[') || !text.endsWith(']'))
        return { error: 'delegate answered in an unexpected form' };
      const missing = parseMissing(res.headers.get(MISSING_HEADER));
      return { fragment: text.slice(1, -1).trim(), missing };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }
}

function parseMissing(header: string | null): { delegate: string; error: string }[] {
  if (!header) return [];
  try {
    const v: unknown = JSON.parse(decodeURIComponent(header));
    return Array.isArray(v) ? (v as { delegate: string; error: string }[]) : [];
  } catch {
    return [{ delegate: '?', error: 'unreadable missing-delegates header' }];
  }
}
