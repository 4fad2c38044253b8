import type { CoordStore } from '../coord/index.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type { AssignmentRecord, ClusterEvent, MemberRecord, StoredConfig } from './keys.js';

export interface ClusterStatus {
  cluster: string;
  config: { file: string; loadedAtMs: number; daemons: number } | undefined;
  /** Controller candidates in election order; the first leads. */
  controllers: { id: string; leader: boolean }[];
  aggregators: {
    name: string;
    group: string;
    level: number;
    live: boolean;
    api: string | null;
    producers: string[];
    health: MemberRecord['health'] | undefined;
  }[];
  /** Producers of the config that no live aggregator holds. */
  unassigned: string[];
  events: ClusterEvent[];
}

/** Everything `canopy ctl status` shows, read from the coordination store. */
export async function clusterStatus(
  store: CoordStore,
  cluster: string,
  o: { events?: number } = {},
): Promise<ClusterStatus> {
  const k = new ClusterKeys(cluster);
  const [configKv, candidates, members, assigns, events] = await Promise.all([
    store.get(k.config),
    store.list(`${k.leader}/`),
    store.list(k.members),
    store.list(k.assignments),
    store.list(k.events),
  ]);
  const config = parseRecord<StoredConfig>(configKv?.value);
  const live = new Map<string, MemberRecord>();
  for (const kv of members) {
    const r = parseRecord<MemberRecord>(kv.value);
    if (r) live.set(k.nameOf(kv.key, k.members), r);
  }
  const held = new Map<string, string[]>();
  for (const kv of assigns) {
    const r = parseRecord<AssignmentRecord>(kv.value);
    if (r && Array.isArray(r.producers))
      held.set(
        k.nameOf(kv.key, k.assignments),
        r.producers.map((p) => p.name),
      );
  }
  const spec = config?.spec;
  const names = new Set([
    ...(spec?.aggregatorGroups.flatMap((g) => g.members) ?? []),
    ...[...live.values()].filter((m) => m.role === 'aggregator').map((m) => m.name),
  ]);
  const groupOf = new Map(
    (spec?.aggregatorGroups ?? []).flatMap((g) => g.members.map((m) => [m, g] as const)),
  );
  const aggregators = [...names].sort().map((name) => ({
    name,
    group: groupOf.get(name)?.group ?? live.get(name)?.group ?? '',
    level: groupOf.get(name)?.level ?? live.get(name)?.level ?? 0,
    live: live.has(name),
    api: live.get(name)?.api ?? null,
    producers: held.get(name) ?? [],
    health: live.get(name)?.health,
  }));
  const holding = new Set(aggregators.filter((a) => a.live).flatMap((a) => a.producers));
  const wanted = (spec?.aggregatorGroups ?? []).flatMap((g) =>
    g.peers.filter((p) => p.transport === 'pull').flatMap((p) => p.producers),
  );
  const ordered = [...candidates].sort((a, b) => a.createRevision - b.createRevision);
  return {
    cluster,
    config: config
      ? { file: config.file, loadedAtMs: config.loadedAtMs, daemons: config.spec.daemons.length }
      : undefined,
    controllers: ordered.map((kv, i) => ({ id: kv.value, leader: i === 0 })),
    aggregators,
    unassigned: [...new Set(wanted)].filter((p) => !holding.has(p)).sort(),
    events: events
      .slice(-(o.events ?? 20))
      .flatMap((kv) => parseRecord<ClusterEvent>(kv.value) ?? []),
  };
}
