import type { ConfigReader } from '../common/index.js';
import type { AggregatorEntry } from './aggregators.js';
import type { Role } from './roles.js';

/** For each aggregator entry, the entries (by position in `aggs`) of the aggregators it collects from. */
function peerGroups(aggs: readonly AggregatorEntry[], roles: Map<string, Role>): number[][] {
  const byGroup = new Map(aggs.map((a, k) => [a.spec.group, k]));
  return aggs.map((a) => {
    const out = new Set<number>();
    for (const p of a.spec.peers.flatMap((peer) => peer.producers)) {
      const role = roles.get(p);
      const k = role?.role === 'aggregator' ? byGroup.get(role.group) : undefined;
      if (k !== undefined) out.add(k);
    }
    return [...out];
  });
}

/**
 * Compute each aggregator group's level: 1 when all its peers are samplers,
 * else 1 + the highest level among the groups it collects from. A cycle
 * (a group that ends up collecting from itself) is a problem, reported once.
 */
export function computeLevels(
  r: ConfigReader,
  aggs: readonly AggregatorEntry[],
  roles: Map<string, Role>,
): void {
  const edges = peerGroups(aggs, roles);
  const state = aggs.map(() => 'new' as 'new' | 'visiting' | 'done');
  const stack: number[] = [];
  const reported = new Set<string>();
  const levelOf = (k: number): number => {
    const a = aggs[k]!;
    if (state[k] === 'done') return a.spec.level;
    if (state[k] === 'visiting') {
      const cycle = stack.slice(stack.indexOf(k));
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        const names = [...cycle, k].map((j) => `'${aggs[j]!.spec.group}'`).join(' → ');
        r.fail(['aggregators', a.index, a.peersKey], `aggregator groups form a cycle: ${names}`);
      }
      return 0;
    }
    state[k] = 'visiting';
    stack.push(k);
    const below = Math.max(0, ...edges[k]!.map(levelOf));
    stack.pop();
    state[k] = 'done';
    a.spec.level = below + 1;
    return a.spec.level;
  };
  aggs.forEach((_, k) => levelOf(k));
}
