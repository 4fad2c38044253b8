import type { ServerResponse } from 'node:http';
import type { RangeSeries, Selector } from '../model/index.js';
import type { QueryContext, QuerySource } from './query-source.js';

const HEARTBEAT_MS = 15_000;

/**
 * `follow` form of a range query, as server-sent events: first an event
 * `range` with the history (as `/api/range` answers it), then an event
 * `points` for every batch of new points, forever. The subscription starts
 * before the history is read and points already in the history are skipped,
 * so nothing falls between the two and nothing is sent twice.
 */
export async function streamFollow(
  res: ServerResponse,
  source: QuerySource,
  selector: Selector,
  range: { from: number; to: number; limit: number },
  ctx: QueryContext,
): Promise<void> {
  const early: { name: string; points: [number, number][] }[][] = [];
  let lastSent: Map<string, number> | undefined;
  const send = (event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const deliver = (batch: { name: string; points: [number, number][] }[]): void => {
    if (!lastSent) {
      early.push(batch);
      return;
    }
    const fresh = batch
      .map((s) => ({
        name: s.name,
        points: s.points.filter(([t]) => t > (lastSent!.get(s.name) ?? -Infinity)),
      }))
      .filter((s) => s.points.length > 0);
    for (const s of fresh) lastSent.set(s.name, s.points.at(-1)![0]);
    if (fresh.length > 0) send('points', fresh);
  };
  const stop = source.follow(selector, deliver);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  res.on('close', () => {
    stop();
    clearInterval(heartbeat);
  });
  try {
    const r = await source.range(selector, range.from, range.to, range.limit, ctx);
    const series: RangeSeries[] = [...r.items];
    for (const f of r.fragments) series.push(...(JSON.parse(`[${f}]`) as RangeSeries[]));
    lastSent = new Map(series.map((s) => [s.name, s.points.at(-1)?.[0] ?? -Infinity]));
    send('range', {
      from: range.from,
      to: range.to,
      series,
      ...(r.missing.length > 0 ? { partial: true, missing: r.missing } : {}),
    });
    for (const batch of early.splice(0)) deliver(batch);
  } catch (err) {
    send('error', {
      error: {
        code: (err as { code?: string }).code ?? 'CANOPY_ERR_INTERNAL',
        message: (err as Error).message,
      },
    });
    res.end();
  }
}
