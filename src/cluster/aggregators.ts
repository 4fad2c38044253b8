import type { ConfigPath, ConfigReader } from '../common/index.js';
import type { AggregatorGroupSpec, PeerSpec } from './cluster-spec.js';
import { CLUSTER_KEYS } from './keys.js';
import { quoteList } from './read-helpers.js';
import { resolveRef } from './refs.js';
import type { Registry } from './registry.js';
import { readUpdaters } from './updaters.js';

/** One `aggregators:` entry with where it is in the file; `spec.level` is set later. */
export interface AggregatorEntry {
  readonly index: number;
  /** `peers` or `producers`, whichever the file used (for locating problems). */
  readonly peersKey: 'peers' | 'producers';
  /** Every producer named by a peer that resolved, even a peer with other problems. */
  readonly producers: string[];
  readonly spec: AggregatorGroupSpec;
}

const DEFAULT_RECONNECT_MS = 20_000;

/**
 * A peer's `endpoints:` must give each producer exactly one endpoint, and
 * that endpoint must be the producer's first: the aggregator dials
 * DaemonSpec.endpoint, so naming another one would be silently ignored.
 */
function checkPeerEndpoints(
  r: ConfigReader,
  reg: Registry,
  path: ConfigPath,
  producers: readonly string[],
): void {
  if (r.get(path) === undefined) return;
  const eps = resolveRef(r, reg, path, 'endpoint');
  if (eps === undefined) return;
  const wanted = new Set(producers);
  const owners = eps.names.map((n) => ({ name: n, ...reg.endpoints.get(n)! }));
  const foreign = owners.filter((o) => !wanted.has(o.daemon)).map((o) => o.name);
  if (foreign.length > 0)
    r.fail(path, `endpoints ${quoteList(foreign)} do not belong to the peer's daemons`);
  const notFirst = owners.filter((o) => wanted.has(o.daemon) && o.index !== 0).map((o) => o.name);
  if (notFirst.length > 0)
    r.fail(
      path,
      `endpoints ${quoteList(notFirst)} are not their daemon's first endpoint (peers dial the first; list it first)`,
    );
  const covered = new Set(owners.map((o) => o.daemon));
  const uncovered = producers.filter((p) => !covered.has(p));
  if (uncovered.length > 0) r.fail(path, `no endpoint given for daemons ${quoteList(uncovered)}`);
}

/** A peer entry: its producers whenever they resolved, and the whole spec when nothing else is wrong. */
interface PeerRead {
  readonly producers: string[];
  readonly peer: PeerSpec | undefined;
}

function readPeer(r: ConfigReader, reg: Registry, path: ConfigPath): PeerRead {
  if (!r.object(path, CLUSTER_KEYS.peer)) {
    reg.unresolved += 1;
    return { producers: [], peer: undefined };
  }
  const daemons = resolveRef(r, reg, [...path, 'daemons'], 'daemon');
  if (daemons !== undefined) checkPeerEndpoints(r, reg, [...path, 'endpoints'], daemons.names);
  const reconnectMs = r.duration([...path, 'reconnect']);
  if (reconnectMs === 0) r.fail([...path, 'reconnect'], 'reconnect must be more than 0');
  const type = r.oneOf([...path, 'type'], ['active', 'passive'] as const);
  const typeGiven = r.get([...path, 'type']) !== undefined;
  const transport =
    type === 'passive' ? 'push' : type === 'active' || !typeGiven ? 'pull' : undefined;
  const updater = readUpdaters(r, [...path, 'updaters'], transport);
  const producers = daemons?.names ?? [];
  if (daemons === undefined || transport === undefined || updater === undefined)
    return { producers, peer: undefined };
  const peer: PeerSpec = {
    group: daemons.text,
    producers,
    transport,
    reconnectMs: reconnectMs ?? DEFAULT_RECONNECT_MS,
    ...updater,
  };
  return { producers, peer };
}

/**
 * The peers of one entry (under `peers:`, Maestro's `producers:`, or both,
 * which is itself a problem); a producer may appear in only one of them.
 */
function readPeers(
  r: ConfigReader,
  reg: Registry,
  path: ConfigPath,
): { peers: PeerSpec[]; producers: string[] } {
  const peers: PeerSpec[] = [];
  const seen = new Map<string, string>();
  for (const key of ['peers', 'producers']) {
    const listPath = [...path, key];
    const raw = r.get(listPath);
    if (raw !== undefined && !Array.isArray(raw)) reg.unresolved += 1;
    for (const j of r.list(listPath)) {
      const got = readPeer(r, reg, [...listPath, j]);
      const again = got.producers.filter((p) => seen.has(p));
      if (again.length > 0) {
        const first = seen.get(again[0]!)!;
        r.fail(
          [...listPath, j, 'daemons'],
          `daemons ${quoteList(again)} are already peers of this group (${first})`,
        );
      }
      for (const p of got.producers) if (!seen.has(p)) seen.set(p, `${key}[${j}]`);
      if (got.peer !== undefined) peers.push(got.peer);
    }
  }
  return { peers, producers: [...seen.keys()] };
}

function archiveAt(r: ConfigReader, path: ConfigPath): string | undefined {
  if (!r.object(path, CLUSTER_KEYS.archive)) return undefined;
  if (r.get([...path, 'path']) === undefined) return r.fail(path, 'path is required');
  return r.string([...path, 'path']);
}

function readEntry(r: ConfigReader, reg: Registry, index: number): AggregatorEntry | undefined {
  const path: ConfigPath = ['aggregators', index];
  if (!r.object(path, CLUSTER_KEYS.aggregator)) return undefined;
  const members = resolveRef(r, reg, [...path, 'daemons'], 'daemon');
  const hasPeers = r.get([...path, 'peers']) !== undefined;
  const hasProducers = r.get([...path, 'producers']) !== undefined;
  if (hasPeers && hasProducers)
    r.fail([...path, 'producers'], 'give peers or producers (the same thing), not both');
  const peersKey = hasProducers && !hasPeers ? 'producers' : 'peers';
  if (!hasPeers && !hasProducers)
    r.fail([...path, 'peers'], 'peers is required (the producers this group collects from)');
  const { peers, producers } = readPeers(r, reg, path);
  const spec: AggregatorGroupSpec = {
    group: members?.text ?? '',
    members: members?.names ?? [],
    level: 0,
    mode: r.oneOf([...path, 'mode'], ['full', 'summary'] as const) ?? 'full',
    balance: r.oneOf([...path, 'balance'], ['count', 'weight'] as const) ?? 'count',
    peers,
    archiveDir: archiveAt(r, [...path, 'archive']),
    csv: [],
  };
  return members === undefined ? undefined : { index, peersKey, producers, spec };
}

/** Read `aggregators:`: each group's members, balancing, forwarding mode, archive and peers. */
export function readAggregators(r: ConfigReader, reg: Registry): AggregatorEntry[] {
  const out: AggregatorEntry[] = [];
  for (const i of r.list(['aggregators'])) {
    const entry = readEntry(r, reg, i);
    if (entry !== undefined) out.push(entry);
  }
  return out;
}
