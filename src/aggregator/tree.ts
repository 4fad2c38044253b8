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
  groups: { name: string; metrics: number; lastTimestampMs: number }[];
}

/**
 * Build the OU → host → group tree from live sets. A host is up while any of
 * its sets reported within `downAfterMs` (Ganglia's TN < TMAX rule).
 */
export function buildTree(sets: Iterable<LiveSet>, nowMs: number, downAfterMs: number): TreeNode[] {
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
      host = { name: s.set.host, up: false, lastSeenMs: 0, groups: [] };
      hostIndex.set(hostKey, host);
      node.hosts.push(host);
    }
    host.lastSeenMs = Math.max(host.lastSeenMs, s.lastSeenMs);
    host.up = nowMs - host.lastSeenMs <= downAfterMs;
    host.groups.push({
      name: s.set.groups.join(':'),
      metrics: s.names.length,
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
