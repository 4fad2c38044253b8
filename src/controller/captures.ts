import type { ClusterSpec } from '../cluster/index.js';
import type { CoordStore, Lease } from '../coord/index.js';
import { parseSelector } from '../model/index.js';
import { pluginNames } from '../sampler/index.js';
import { ControllerError } from './errors.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type { CaptureRecord } from './keys.js';

export interface CaptureRequest {
  /** Which sets, e.g. `Lab::node-7:cpu:*`: OU and host pick samplers, the group names the plugin. */
  selector: string;
  intervalMs: number;
  forMs: number;
}

/**
 * Which (sampler, plugin) pairs a capture request means. The first group
 * token names plugins: configured ones that match, or else a plugin the
 * sampler does not run yet (loaded for the capture, unloaded after).
 */
export function planCaptures(
  spec: ClusterSpec,
  req: CaptureRequest,
  nowMs: number,
): CaptureRecord[] {
  const selector = parseSelector(req.selector);
  const groupToken = req.selector.split('::')[1]?.split(':')[1] ?? '*';
  const out: CaptureRecord[] = [];
  for (const g of spec.samplerGroups)
    for (const daemon of g.members) {
      const d = spec.daemons.find((x) => x.name === daemon);
      if (!d || !selector.matchesSetPrefix(d.ous, d.host, [])) continue;
      let plugins = g.plugins
        .map((p) => p.name)
        .filter((p) => selector.matchesSetPrefix(d.ous, d.host, [p]));
      if (plugins.length === 0 && pluginNames().includes(groupToken)) plugins = [groupToken];
      for (const plugin of plugins)
        out.push({
          id: captureId(daemon, plugin, req.intervalMs),
          selector: req.selector,
          host: d.host,
          daemon,
          plugin,
          intervalMs: req.intervalMs,
          untilMs: nowMs + req.forMs,
          createdAtMs: nowMs,
        });
    }
  if (out.length === 0)
    throw new ControllerError(
      'CANOPY_ERR_CAPTURE',
      `capture '${req.selector}' matches no sampler plugin of cluster '${spec.name}' (the group token names a plugin, e.g. Lab::node-7:cpu:*)`,
    );
  return out;
}

/** Same sampler, plugin and rate → same capture, shared by every client that asks. */
export function captureId(daemon: string, plugin: string, intervalMs: number): string {
  return `${daemon}.${plugin}.${intervalMs}ms`;
}

/**
 * Create or join each capture: the record's end is the latest any client
 * asked for, and each client holds it with a holder key on its lease (or
 * without one when detached: the capture then ends at its time).
 */
export async function holdCaptures(
  store: CoordStore,
  cluster: string,
  records: readonly CaptureRecord[],
  holder: { id: string; lease: Lease | undefined },
): Promise<CaptureRecord[]> {
  const keys = new ClusterKeys(cluster);
  const held: CaptureRecord[] = [];
  for (const want of records) {
    for (let attempt = 0; ; attempt++) {
      const kv = await store.get(keys.capture(want.id));
      const old = parseRecord<CaptureRecord>(kv?.value);
      const merged = old ? { ...old, untilMs: Math.max(old.untilMs, want.untilMs) } : want;
      const ok = await store.txn(
        [{ key: keys.capture(want.id), modRevision: kv?.modRevision ?? 0 }],
        [
          { op: 'put', key: keys.capture(want.id), value: JSON.stringify(merged) },
          {
            op: 'put',
            key: keys.captureHolder(want.id, holder.id),
            value: JSON.stringify({ holder: holder.id, untilMs: want.untilMs }),
            ...(holder.lease ? { lease: holder.lease } : {}),
          },
        ],
      );
      if (ok) {
        held.push(merged);
        break;
      }
      if (attempt >= 10)
        throw new ControllerError('CANOPY_ERR_CAPTURE', `capture ${want.id}: too much contention`, {
          retryable: true,
        });
    }
  }
  return held;
}

/** Let go of captures (other holders keep theirs running). */
export async function releaseCaptures(
  store: CoordStore,
  cluster: string,
  ids: readonly string[],
  holder: string,
): Promise<void> {
  const keys = new ClusterKeys(cluster);
  for (const id of ids) await store.delete(keys.captureHolder(id, holder));
}
