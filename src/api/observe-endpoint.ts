import type { IncomingMessage } from 'node:http';
import { isLoopbackAddress } from '../protocol/index.js';
import { ApiError } from './errors.js';

/** What a node running SumStats offers the API. */
export interface SumStatsView {
  /** Definitions with their key counts, recent crossings and epoch results. */
  summary(): unknown;
  /** Validate and reduce pushed observations; returns how many were taken. */
  observe(events: unknown): number;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `POST /api/observe`: pushed events (one JSON object or an array). Writes
 * are taken from loopback peers only: the API has no write tokens yet.
 */
export async function handleObserve(req: IncomingMessage, view: SumStatsView): Promise<unknown> {
  if (!isLoopbackAddress(req.socket.remoteAddress))
    throw new ApiError('CANOPY_ERR_FORBIDDEN', 403, 'observations are accepted from loopback only');
  const body = await readBody(req);
  let events: unknown;
  try {
    events = JSON.parse(body);
  } catch (err) {
    throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, `body is not JSON: ${(err as Error).message}`);
  }
  return { accepted: view.observe(events) };
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
