import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../common/index.js';
import { listenOn } from '../common/index.js';
import { CanopyError, toError } from '../common/index.js';
import { parseSelector } from '../model/index.js';
import type { Selector } from '../model/index.js';
import { ApiError, statusFor } from './errors.js';
import type { QuerySource } from './query-source.js';
import { parseTime } from './time-param.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  source: QuerySource;
  logger: Logger;
  /** Most series one request may return. */
  maxSeries?: number;
  now?: () => number;
}

type Handler = (url: URL) => unknown;

/**
 * The read-only HTTP API over an aggregator's data. Every error is a JSON
 * body `{ error: { code, message } }` with a status derived from its code.
 */
export class ApiServer {
  readonly #o: ApiServerOptions;
  readonly #server: Server;
  readonly #routes: Map<string, Handler>;

  constructor(options: ApiServerOptions) {
    this.#o = options;
    this.#routes = new Map<string, Handler>([
      ['/api/tree', () => ({ tree: options.source.tree() })],
      ['/api/latest', (url) => this.#latest(url)],
      ['/api/range', (url) => this.#range(url)],
      ['/api/status', () => options.source.status()],
      ['/healthz', () => ({ ok: true })],
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
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = this.#routes.get(url.pathname);
      if (!route) throw new ApiError('CANOPY_ERR_NOT_FOUND', 404, `no route ${url.pathname}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new ApiError(
          'CANOPY_ERR_METHOD_NOT_ALLOWED',
          405,
          `${req.method ?? '?'} not allowed on ${url.pathname}`,
        );
      }
      send(res, 200, route(url));
    } catch (err) {
      const status = statusFor(err);
      const e = toError(err);
      if (status >= 500) this.#o.logger.error('api request failed', { url: req.url, error: e });
      const code = err instanceof CanopyError ? err.code : 'CANOPY_ERR_INTERNAL';
      send(res, status, {
        error: {
          code,
          message: status >= 500 && !(err instanceof CanopyError) ? 'internal error' : e.message,
        },
      });
    }
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
    if (!Number.isInteger(n) || n <= 0)
      throw new ApiError(
        'CANOPY_ERR_BAD_PARAM',
        400,
        `limit: ${JSON.stringify(text)} is not a positive integer`,
      );
    return Math.min(n, max);
  }

  #latest(url: URL): unknown {
    const points = this.#o.source.latest(this.#selector(url), this.#limit(url));
    return { points };
  }

  #range(url: URL): unknown {
    const now = this.#now();
    const from = parseTime(url.searchParams.get('from') ?? '-5m', now, 'from');
    const to = parseTime(url.searchParams.get('to') ?? 'now', now, 'to');
    if (from > to)
      throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, `from (${from}) is after to (${to})`);
    const series = this.#o.source.range(this.#selector(url), from, to, this.#limit(url));
    return { from, to, series };
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
