import type { AggregatorEntry } from './aggregators.js';
import type { ClusterSpec, DaemonSpec } from './cluster-spec.js';
import type { Registry } from './registry.js';
import type { Role } from './roles.js';
import type { SamplerEntry } from './samplers.js';

/** Everything read from the file, ready to be put together. */
export interface Parts {
  readonly name: string;
  readonly etcd: string[] | undefined;
  readonly reg: Registry;
  readonly placed: Map<string, string[]>;
  readonly roles: Map<string, Role>;
  readonly aggs: readonly AggregatorEntry[];
  readonly samplers: readonly SamplerEntry[];
}

function commonPrefix(paths: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = paths;
  if (first === undefined) return [];
  let n = first.length;
  for (const p of rest) {
    let i = 0;
    while (i < n && p[i] === first[i]) i += 1;
    n = i;
  }
  return first.slice(0, n);
}

/**
 * OUs of each aggregator group: the OU subtree it is responsible for, i.e.
 * the longest OU prefix shared by every sampler below it. A group whose
 * samplers share no prefix (or that has none) gets the cluster name.
 */
function groupOus(parts: Parts, samplerOus: (d: string) => string[]): Map<string, string[]> {
  const byGroup = new Map(parts.aggs.map((a) => [a.spec.group, a]));
  const covered = new Map<string, string[]>();
  const samplersBelow = (group: string, visiting: Set<string>): string[] => {
    const known = covered.get(group);
    if (known !== undefined) return known;
    const a = byGroup.get(group);
    if (a === undefined || visiting.has(group)) return [];
    visiting.add(group);
    const out: string[] = [];
    for (const p of a.spec.peers.flatMap((peer) => peer.producers)) {
      const role = parts.roles.get(p);
      if (role?.role === 'sampler') out.push(p);
      else if (role !== undefined) out.push(...samplersBelow(role.group, visiting));
    }
    covered.set(group, out);
    return out;
  };
  const result = new Map<string, string[]>();
  for (const a of parts.aggs) {
    const prefix = commonPrefix(samplersBelow(a.spec.group, new Set()).map(samplerOus));
    result.set(a.spec.group, prefix.length > 0 ? prefix : [parts.name]);
  }
  return result;
}

/** Put the resolved parts together. Only called when no problem was found. */
export function buildSpec(parts: Parts): ClusterSpec {
  const placedOr = (host: string): string[] | undefined => parts.placed.get(host);
  const samplerOus = (d: string): string[] => {
    const host = parts.reg.daemons.get(d)?.host ?? '';
    return placedOr(host) ?? [parts.name];
  };
  const aggOus = groupOus(parts, samplerOus);
  const daemons: DaemonSpec[] = [];
  for (const d of parts.reg.daemons.values()) {
    const role = parts.roles.get(d.name);
    const endpoint = d.endpoints[0];
    if (role === undefined || endpoint === undefined) continue;
    const ous =
      role.role === 'sampler'
        ? samplerOus(d.name)
        : (placedOr(d.host) ?? aggOus.get(role.group) ?? [parts.name]);
    daemons.push({
      name: d.name,
      host: d.host,
      group: role.group,
      role: role.role,
      ous: [...ous],
      endpoint,
      endpoints: d.endpoints,
      api: d.api,
    });
  }
  return {
    name: parts.name,
    etcd: parts.etcd,
    daemons,
    aggregatorGroups: parts.aggs.map((a) => a.spec),
    samplerGroups: parts.samplers.map((s) => s.spec),
  };
}
