import type { LiveSet } from './live-set.js';

/** A node of the OU tree as served by `/api/tree`. */
export interface TreeNode {
  name: string;
  ous: TreeNode[];
  hosts: TreeHost[];
}

export interface TreeHost {
  name: string;
  up: boolean;
  lastSeenMs: number;
  /** Longest sampling interval among the host's sets. */
  intervalMs: number;
  groups: { name: string; metrics: number; lastTimestampMs: number }[];
}

export interface Staleness {
  /** A host is down after this many of its intervals without data (TMAX = 4 × interval). */
  tmaxIntervals: number;
  /** Interval assumed for a set whose interval is not known yet. */
  defaultIntervalMs: number;
}

/**
 * Build the OU → host → group tree from live sets. A host is up while the time
 * since its last data (TN) is within TMAX = `tmaxIntervals` × its interval
 * (Ganglia's TN < TMAX rule).
 */
export function buildTree(
  sets: Iterable<LiveSet>,
  nowMs: number,
  staleness: Staleness,
): TreeNode[] {
  const roots: TreeNode[] = [];
  const hostIndex = new Map<string, TreeHost>();
  for (const s of sets) {
    let level = roots;
    let node: TreeNode | undefined;
    for (const ou of s.set.ous) {
      node = level.find((n) => n.name === ou);
      if (!node) {
        node = { name: ou, ous: [], hosts: [] };
        level.push(node);
      }
      level = node.ous;
    }
    if (!node) continue;
    const hostKey = `${s.set.ous.join(':')}::${s.set.host}`;
    let host = hostIndex.get(hostKey);
    if (!host) {
      host = { name: s.set.host, up: false, lastSeenMs: 0, intervalMs: 0, groups: [] };
      hostIndex.set(hostKey, host);
      node.hosts.push(host);
    }
    host.lastSeenMs = Math.max(host.lastSeenMs, s.lastSeenMs);
    host.intervalMs = Math.max(host.intervalMs, s.intervalMs);
    const interval = host.intervalMs > 0 ? host.intervalMs : staleness.defaultIntervalMs;
    host.up = nowMs - host.lastSeenMs <= staleness.tmaxIntervals * interval;
    host.groups.push({
      name: s.set.groups.join(':'),
      metrics: s.metricCount,
      lastTimestampMs: s.lastTimestampMs,
    });
  }
  sortTree(roots);
  return roots;
}

function sortTree(nodes: TreeNode[]): void {
  nodes.sort((a, b) => a.name.localeCompare(b.name));
  for (const n of nodes) {
    n.hosts.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const h of n.hosts) h.groups.sort((a, b) => a.name.localeCompare(b.name));
    sortTree(n.ous);
  }
}

/** Up/down state of every host (for the `_hosts` summary), without building the whole tree. */
export function hostStates(
  sets: Iterable<LiveSet>,
  nowMs: number,
  staleness: Staleness,
): { ous: readonly string[]; host: string; up: boolean }[] {
  const byHost = new Map<
    string,
    { ous: readonly string[]; host: string; lastSeenMs: number; intervalMs: number }
  >();
  for (const s of sets) {
    const key = `${s.set.ous.join(':')}::${s.set.host}`;
    const h = byHost.get(key) ?? { ous: s.set.ous, host: s.set.host, lastSeenMs: 0, intervalMs: 0 };
    h.lastSeenMs = Math.max(h.lastSeenMs, s.lastSeenMs);
    h.intervalMs = Math.max(h.intervalMs, s.intervalMs);
    byHost.set(key, h);
  }
  return [...byHost.values()].map((h) => {
    const interval = h.intervalMs > 0 ? h.intervalMs : staleness.defaultIntervalMs;
    return {
      ous: h.ous,
      host: h.host,
      up: nowMs - h.lastSeenMs <= staleness.tmaxIntervals * interval,
    };
  });
}
