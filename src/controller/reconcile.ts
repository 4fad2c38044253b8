import type { ClusterSpec, PluginPlan } from '../cluster/index.js';
import { producerWeight } from '../cluster/index.js';
import { balance } from './balance.js';
import type { Move } from './balance.js';
import type {
  AssignedProducer,
  AssignmentRecord,
  CaptureRecord,
  MemberRecord,
  SamplerDesired,
} from './keys.js';

/** Previous holders remembered per producer, so a flapping move still replays everything. */
const MAX_TAKEOVER = 4;

export interface ReconcileInput {
  spec: ClusterSpec;
  /** Live aggregators (lease-bound member keys). */
  members: ReadonlyMap<string, MemberRecord>;
  assignments: ReadonlyMap<string, AssignmentRecord>;
  captures: readonly CaptureRecord[];
  nowMs: number;
  /**
   * A member that joined less than this long ago keeps what it holds but is
   * given nothing else, orphans included, while a settled member of its group
   * lives (with none settled, every live member takes orphans).
   */
  settleMs: number;
  /**
   * Aggregators that were not registered when this controller took the lead,
   * each with the time until which the producers it holds wait for it rather
   * than being orphaned. After a store outage a live aggregator may not have
   * re-registered yet (its lost lease was revoked) while a dead one's key
   * still lingers (etcd extends every lease when it elects a leader): the
   * live one's producers must not be handed to the dead one meanwhile.
   */
  absentGraceUntilMs?: ReadonlyMap<string, number>;
}

export interface GroupMove extends Move {
  group: string;
  host: string;
}

export interface ReconcileOutput {
  /**
   * One record per aggregator of every group (dead ones hold nothing), and an
   * empty one for each aggregator the config dropped.
   */
  assignments: Map<string, AssignmentRecord>;
  moves: GroupMove[];
  desired: Map<string, SamplerDesired>;
  /** When an unsettled member settles: reconcile again then. */
  nextCheckMs: number | undefined;
}

/**
 * The whole desired state from the config, who is alive and what each holds:
 * producer assignments per aggregator group (minimal moves) and each sampler's
 * plugin list with captures folded in. Pure: the controller writes the diff.
 */
export function reconcile(input: ReconcileInput): ReconcileOutput {
  const assignments = new Map<string, AssignmentRecord>();
  const moves: GroupMove[] = [];
  let nextCheckMs: number | undefined;
  const daemons = new Map(input.spec.daemons.map((d) => [d.name, d]));
  for (const g of input.spec.aggregatorGroups) {
    const producers: (AssignedProducer & { weight: number })[] = [];
    for (const peer of g.peers) {
      if (peer.transport !== 'pull') continue;
      for (const name of peer.producers) {
        const d = daemons.get(name);
        if (!d) continue;
        const weight = g.balance === 'weight' ? producerWeight(input.spec, name) : 1;
        producers.push({
          name,
          host: d.host,
          endpoint: { host: d.endpoint.host, port: d.endpoint.port },
          mode: g.mode,
          takeover: [],
          weight,
        });
      }
    }
    const previous = new Map<string, string>();
    const oldEntry = new Map<string, AssignedProducer>();
    for (const agg of g.members)
      for (const p of input.assignments.get(agg)?.producers ?? []) {
        previous.set(p.name, agg);
        oldEntry.set(p.name, p);
      }
    const live = g.members.filter((m) => input.members.has(m));
    if (live.length === 0) {
      // Nobody alive in the group is far more likely a coordination outage
      // (every lease lapsed at once) than every aggregator dead: keep things
      // as they are rather than unassign everything.
      for (const agg of g.members) {
        const held = input.assignments.get(agg);
        if (held) assignments.set(agg, held);
      }
      continue;
    }
    const settled = live.filter((m) => {
      const since = input.members.get(m)!.startedAtMs;
      const ready = input.nowMs - since >= input.settleMs;
      if (!ready) nextCheckMs = Math.min(nextCheckMs ?? Infinity, since + input.settleMs);
      return ready;
    });
    // Until a new member settles it keeps what it holds but takes nothing from
    // others, so a flapping aggregator does not drag producers back and forth.
    const pool = settled.length > 0 ? settled : live;
    const pinned = new Map<string, string>();
    for (const [p, agg] of previous) {
      const graceUntil = input.absentGraceUntilMs?.get(agg) ?? -Infinity;
      if (live.includes(agg) ? pool.includes(agg) : input.nowMs >= graceUntil) continue;
      pinned.set(p, agg);
      if (!live.includes(agg)) nextCheckMs = Math.min(nextCheckMs ?? Infinity, graceUntil);
    }
    const result = balance({
      producers: producers.filter((p) => !pinned.has(p.name)),
      aggregators: pool,
      previous,
      by: g.balance,
    });
    const byAgg = new Map<string, AssignedProducer[]>(g.members.map((m) => [m, []]));
    for (const p of producers) {
      const to = pinned.get(p.name) ?? result.assignment.get(p.name);
      if (to === undefined || !byAgg.has(to)) continue;
      const from = previous.get(p.name);
      const old = oldEntry.get(p.name);
      const takeover =
        from !== undefined && from !== to
          ? [from, ...(old?.takeover ?? [])].filter((x, i, a) => x !== to && a.indexOf(x) === i)
          : (old?.takeover.filter((x) => x !== to) ?? []);
      const { weight: _weight, ...entry } = p;
      byAgg.get(to)!.push({ ...entry, takeover: takeover.slice(0, MAX_TAKEOVER) });
      if (from !== to) moves.push({ producer: p.name, from, to, group: g.group, host: p.host });
    }
    for (const [agg, list] of byAgg) {
      list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      assignments.set(agg, { aggregator: agg, producers: list, atMs: input.nowMs });
    }
  }
  emptyDropped(input, assignments);
  return { assignments, moves, desired: desiredPlugins(input), nextCheckMs };
}

/**
 * An aggregator dropped from the config (a reload) holds nothing any more:
 * without an empty record it would keep pulling producers now held elsewhere.
 */
function emptyDropped(input: ReconcileInput, assignments: Map<string, AssignmentRecord>): void {
  for (const [agg, r] of input.assignments)
    if (!assignments.has(agg) && r.producers.length > 0)
      assignments.set(agg, { aggregator: agg, producers: [], atMs: input.nowMs });
}

/** Each sampler's plugins from its group, with active captures raising rates or adding plugins. */
function desiredPlugins(input: ReconcileInput): Map<string, SamplerDesired> {
  const out = new Map<string, SamplerDesired>();
  for (const g of input.spec.samplerGroups)
    for (const daemon of g.members) {
      const mine = input.captures.filter((c) => c.daemon === daemon && c.untilMs > input.nowMs);
      out.set(daemon, {
        daemon,
        plugins: withCaptures(g.plugins, mine),
        captures: mine.map((c) => c.id).sort(),
      });
    }
  return out;
}

export function withCaptures(
  plugins: readonly PluginPlan[],
  captures: readonly CaptureRecord[],
): PluginPlan[] {
  const out = plugins.map((p) => ({ ...p }));
  for (const c of captures) {
    const p = out.find((x) => x.name === c.plugin);
    if (!p) out.push({ name: c.plugin, intervalMs: c.intervalMs, offsetMs: 0, config: {} });
    else if (c.intervalMs < p.intervalMs) {
      p.intervalMs = c.intervalMs;
      p.offsetMs = p.offsetMs % c.intervalMs;
    }
  }
  return out;
}
