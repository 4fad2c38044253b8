import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../common/index.js';
import {
  CanopyError,
  HOPS_HEADER,
  MISSING_HEADER,
  RAW_HEADER,
  listenOn,
  toError,
} from '../common/index.js';
import type { Routed } from './query-source.js';
import { parseSelector } from '../model/index.js';
import type { Selector } from '../model/index.js';
import { ApiError, statusFor } from './errors.js';
import type { QueryContext, QuerySource } from './query-source.js';
import { parseDuration, parseTime } from './time-param.js';
import {
  OPENMETRICS_CONTENT_TYPE,
  renderExposition,
  renderOpenMetrics,
  wantsOpenMetrics,
} from './exposition.js';
import { streamFollow } from './follow-stream.js';
import { LatencyHistogram } from './latency-histogram.js';
import { handleSumStatsWrite } from './observe-endpoint.js';
import type { SumStatsView } from './observe-endpoint.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  source: QuerySource;
  logger: Logger;
  /** Most series one request may return. */
  maxSeries?: number;
  now?: () => number;
  /** Controller-managed nodes: cluster status and the host catalog (`/api/cluster`, `/api/find`). */
  cluster?: ClusterView;
  /** Nodes running SumStats: `/api/sumstats` and `POST /api/observe`. */
  sumstats?: SumStatsView;
}

/** What a controller-managed node can tell about its cluster. */
export interface ClusterView {
  status(): Promise<unknown>;
  /** Catalog entries of hosts matching a glob. */
  find(hostGlob: string): Promise<unknown>;
  /** A range over every aggregator that held the selected hosts (continuous across failovers). */
  range(selector: string, fromMs: number, toMs: number): Promise<unknown>;
}

type Handler = (url: URL, ctx: QueryContext) => unknown;

/** A response body already serialised, with extra headers. */
class RawBody {
  readonly text: string;
  readonly headers: Record<string, string>;
  constructor(text: string, headers: Record<string, string> = {}) {
    this.text = text;
    this.headers = headers;
  }
}

/**
 * The read-only HTTP API over an aggregator's subtree. Every error is a JSON
 * body `{ error: { code, message } }` with a status derived from its code; an
 * answer some delegate could not contribute to is marked `partial`.
 */
export class ApiServer {
  readonly #o: ApiServerOptions;
  readonly #server: Server;
  readonly #routes: Map<string, Handler>;
  readonly #latency = new LatencyHistogram();

  constructor(options: ApiServerOptions) {
    this.#o = options;
    this.#routes = new Map<string, Handler>([
      ['/api/tree', () => ({ tree: options.source.tree() })],
      ['/api/latest', (url, ctx) => this.#latest(url, ctx)],
      ['/api/range', (url, ctx) => this.#range(url, ctx)],
      ['/api/summary', (url) => this.#summary(url)],
      ['/api/query', (url, ctx) => this.#query(url, ctx)],
      ['/api/hosts', (url) => ({ ous: options.source.hosts(ouPrefix(url)) })],
      ['/api/status', () => options.source.status()],
      ['/api/cluster', () => this.#cluster().status()],
      ['/api/find', (url) => this.#find(url)],
      ['/api/cluster/range', (url) => this.#clusterRange(url)],
      ['/api/sumstats', () => this.#sumstats().summary()],
      ['/healthz', () => ({ ok: true })],
      [
        '/metrics',
        (url, ctx) =>
          wantsOpenMetrics(url, ctx)
            ? new RawBody(
                renderOpenMetrics(options.source.selfMetrics(), [this.#latency.metric()]),
                { 'content-type': OPENMETRICS_CONTENT_TYPE },
              )
            : new RawBody(
                renderExposition(options.source.selfMetrics(), [this.#latency.metric()]),
                {
                  'content-type': 'text/plain; version=0.0.4; charset=utf-8',
                },
              ),
      ],
    ]);
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on('clientError', (_err, socket) => socket.destroy());
  }

  async listen(): Promise<AddressInfo> {
    return listenOn(this.#server, this.#o.port, this.#o.host);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(res, 400, {
        error: { code: 'CANOPY_ERR_BAD_PARAM', message: 'request target is not a valid URL' },
      });
      return;
    }
    if (isFollow(url, req)) {
      this.#follow(url, res);
      return;
    }
    this.#respond(req, url).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => {
        this.#o.logger.error('api response failed', { url: req.url, error: toError(err) });
        if (!res.headersSent)
          send(res, 500, { error: { code: 'CANOPY_ERR_INTERNAL', message: 'internal error' } });
      },
    );
  }

  async #respond(req: IncomingMessage, url: URL): Promise<[number, unknown]> {
    try {
      const written = await handleSumStatsWrite(req, url, () => this.#sumstats());
      if (written !== undefined) return [200, written];
      const route = this.#routes.get(url.pathname);
      if (!route) throw new ApiError('CANOPY_ERR_NOT_FOUND', 404, `no route ${url.pathname}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new ApiError(
          'CANOPY_ERR_METHOD_NOT_ALLOWED',
          405,
          `${req.method ?? '?'} not allowed on ${url.pathname}`,
        );
      }
      const hops = Number(req.headers[HOPS_HEADER] ?? 0);
      const ctx: QueryContext = {
        hops: Number.isInteger(hops) && hops >= 0 ? hops : 0,
        params: url.searchParams,
        raw: req.headers[RAW_HEADER] !== undefined,
        accept: req.headers.accept ?? '',
      };
      const started = performance.now();
      try {
        return [200, await route(url, ctx)];
      } finally {
        this.#latency.observe(url.pathname, (performance.now() - started) / 1000);
      }
    } catch (err) {
      const status = statusFor(err);
      if (status >= 500)
        this.#o.logger.error('api request failed', { url: req.url, error: toError(err) });
      const known = err instanceof CanopyError;
      const code = known ? err.code : 'CANOPY_ERR_INTERNAL';
      return [status, { error: { code, message: known ? err.message : 'internal error' } }];
    }
  }

  /** A range query with `follow=1`: history, then new points as server-sent events. */
  #follow(url: URL, res: ServerResponse): void {
    let selector: Selector;
    let range: { from: number; to: number; limit: number };
    try {
      selector = this.#selector(url);
      range = { ...this.#timeRange(url, '-5m'), limit: this.#limit(url) };
    } catch (err) {
      const known = err instanceof CanopyError;
      send(res, statusFor(err), {
        error: {
          code: known ? err.code : 'CANOPY_ERR_INTERNAL',
          message: known ? err.message : 'internal error',
        },
      });
      return;
    }
    const ctx: QueryContext = { hops: 0, params: url.searchParams, raw: false };
    streamFollow(res, this.#o.source, selector, range, ctx).catch((err: unknown) => {
      this.#o.logger.error('follow stream failed', { error: toError(err) });
      res.destroy();
    });
  }

  #cluster(): ClusterView {
    if (!this.#o.cluster)
      throw new ApiError(
        'CANOPY_ERR_NOT_FOUND',
        404,
        'this node is not controller-managed (no coordination store)',
      );
    return this.#o.cluster;
  }

  async #find(url: URL): Promise<unknown> {
    const host = url.searchParams.get('host');
    if (!host) throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, 'missing query parameter "host"');
    return { hosts: await this.#cluster().find(host) };
  }

  #sumstats(): SumStatsView {
    if (!this.#o.sumstats)
      throw new ApiError(
        'CANOPY_ERR_NOT_FOUND',
        404,
        'this node runs no SumStats (--sumstats FILE)',
      );
    return this.#o.sumstats;
  }

  async #clusterRange(url: URL): Promise<unknown> {
    const selector = this.#selector(url).toString();
    const { from, to } = this.#timeRange(url, '-5m');
    return this.#cluster().range(selector, from, to);
  }

  #selector(url: URL): Selector {
    const text = url.searchParams.get('select');
    if (!text) throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, 'missing query parameter "select"');
    return parseSelector(text);
  }

  #limit(url: URL): number {
    const max = this.#o.maxSeries ?? 100_000;
    const text = url.searchParams.get('limit');
    if (text === null) return max;
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) {
      throw new ApiError(
        'CANOPY_ERR_BAD_PARAM',
        400,
        `limit: ${JSON.stringify(text)} is not a positive integer`,
      );
    }
    return Math.min(n, max);
  }

  #timeRange(url: URL, defaultFrom: string): { from: number; to: number } {
    const now = this.#now();
    const from = parseTime(url.searchParams.get('from') ?? defaultFrom, now, 'from');
    const to = parseTime(url.searchParams.get('to') ?? 'now', now, 'to');
    if (from > to)
      throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, `from (${from}) is after to (${to})`);
    return { from, to };
  }

  async #latest(url: URL, ctx: QueryContext): Promise<unknown> {
    const r = await this.#o.source.latest(this.#selector(url), this.#limit(url), ctx);
    return routedBody('points', r, ctx, '');
  }

  async #range(url: URL, ctx: QueryContext): Promise<unknown> {
    const { from, to } = this.#timeRange(url, '-5m');
    const r = await this.#o.source.range(this.#selector(url), from, to, this.#limit(url), ctx);
    return routedBody('series', r, ctx, `"from":${from},"to":${to},`);
  }

  async #query(url: URL, ctx: QueryContext): Promise<unknown> {
    const text = url.searchParams.get('q');
    if (!text)
      throw new ApiError(
        'CANOPY_ERR_BAD_PARAM',
        400,
        'missing query parameter "q" (a query expression, docs/query.md)',
      );
    const { from, to } = this.#timeRange(url, '-5m');
    const stepText = url.searchParams.get('step');
    const stepMs =
      stepText === null
        ? undefined
        : /^\d+$/.test(stepText)
          ? Number(stepText)
          : parseDuration(stepText, 'step');
    if (stepMs !== undefined && stepMs <= 0)
      throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, 'step must be positive');
    const interp = url.searchParams.get('interpolation') ?? undefined;
    if (interp !== undefined && !['nearest', 'linear', 'none'].includes(interp)) {
      throw new ApiError(
        'CANOPY_ERR_BAD_PARAM',
        400,
        `interpolation: ${JSON.stringify(interp)} is not nearest, linear or none`,
      );
    }
    const opts = {
      fromMs: from,
      toMs: to,
      stepMs,
      interpolation: interp as 'nearest' | 'linear' | 'none' | undefined,
    };
    const r = await this.#o.source.query(text, opts, ctx);
    return {
      from,
      to,
      ...(stepMs === undefined ? {} : { step: stepMs }),
      series: r.series,
      ...(r.missing.length > 0 ? { partial: true, missing: r.missing } : {}),
    };
  }

  #summary(url: URL): unknown {
    const { from, to } = this.#timeRange(url, '-1m');
    const depthText = url.searchParams.get('depth');
    const depth = depthText === null ? undefined : Number(depthText);
    if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) {
      throw new ApiError(
        'CANOPY_ERR_BAD_PARAM',
        400,
        `depth: ${JSON.stringify(depthText)} is not a positive integer`,
      );
    }
    return { from, to, series: this.#o.source.summary(this.#selector(url), from, to, depth) };
  }
}

/** `/api/range?…&follow=1` (or `follow=true`) asks for a stream. */
function isFollow(url: URL, req: IncomingMessage): boolean {
  const f = url.searchParams.get('follow');
  return (
    url.pathname === '/api/range' &&
    (f === '1' || f === 'true') &&
    (req.method === 'GET' || req.method === undefined)
  );
}

/** The `ou` parameter as OU tokens (empty = the whole tree). */
function ouPrefix(url: URL): string[] {
  const text = url.searchParams.get('ou');
  return text === null || text === '' ? [] : text.split(':');
}

/**
 * Serialise a subtree answer: local items and delegates' fragments spliced
 * into one array. For a forwarding upper node (`raw`), the bare array with
 * missing delegates in a header; otherwise `{ …head, key: [...], partial?, missing? }`.
 */
function routedBody(key: string, r: Routed<unknown>, ctx: QueryContext, head: string): RawBody {
  const parts = r.items.map((x) => JSON.stringify(x));
  const array = `[${[...parts, ...r.fragments].join(',')}]`;
  if (ctx.raw) {
    const headers: Record<string, string> =
      r.missing.length > 0
        ? { [MISSING_HEADER]: encodeURIComponent(JSON.stringify(r.missing)) }
        : {};
    return new RawBody(array, headers);
  }
  const tail = r.missing.length > 0 ? `,"partial":true,"missing":${JSON.stringify(r.missing)}` : '';
  return new RawBody(`{${head}"${key}":${array}${tail}}`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const raw = body instanceof RawBody;
  const text = raw ? body.text : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(raw ? body.headers : {}),
  });
  res.end(text);
}
