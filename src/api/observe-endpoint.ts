import type { IncomingMessage } from 'node:http';
import { isLoopbackAddress } from '../protocol/index.js';
import { ApiError } from './errors.js';

/** What a node running SumStats offers the API. */
export interface SumStatsView {
  /** Definitions with their key counts, recent crossings and epoch results. */
  summary(): unknown;
  /** Validate and reduce pushed observations; returns how many were taken. */
  observe(events: unknown): number;
  /** Add or replace a definition at run time (the file format, `epoch: 60s`). */
  define(def: unknown): unknown;
  /** Drop a definition. */
  remove(name: string): unknown;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The SumStats writes: `POST /api/observe` (one event or an array), `POST
 * /api/sumstats` (a definition), `DELETE /api/sumstats?name=N`. Undefined
 * when the request is not one of them. Writes are taken from loopback peers
 * only: the API has no write tokens yet.
 */
export async function handleSumStatsWrite(
  req: IncomingMessage,
  url: URL,
  view: () => SumStatsView,
): Promise<unknown> {
  const write =
    (url.pathname === '/api/observe' && req.method === 'POST') ||
    (url.pathname === '/api/sumstats' && (req.method === 'POST' || req.method === 'DELETE'));
  if (!write) return undefined;
  if (!isLoopbackAddress(req.socket.remoteAddress))
    throw new ApiError(
      'CANOPY_ERR_FORBIDDEN',
      403,
      'SumStats writes are accepted from loopback only',
    );
  if (req.method === 'DELETE') {
    const name = url.searchParams.get('name');
    if (!name) throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, 'missing query parameter "name"');
    return view().remove(name);
  }
  const json = await readJson(req);
  return url.pathname === '/api/observe' ? { accepted: view().observe(json) } : view().define(json);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, `body is not JSON: ${(err as Error).message}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new ApiError('CANOPY_ERR_BAD_PARAM', 413, `body larger than ${MAX_BODY_BYTES} bytes`),
        );
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
