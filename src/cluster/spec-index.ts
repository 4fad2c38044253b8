import type {
  AggregatorGroupSpec,
  ClusterSpec,
  DaemonSpec,
  SamplerGroupSpec,
} from './cluster-spec.js';
import { CLUSTER_ERROR_CODES, ClusterError } from './errors.js';

/** Lookups over one spec, so questions about N daemons cost O(N), not O(N²). */
interface SpecIndex {
  readonly daemons: Map<string, DaemonSpec>;
  readonly samplerGroupOf: Map<string, SamplerGroupSpec>;
  readonly aggregatorGroups: Map<string, AggregatorGroupSpec>;
  /** Producer name → the aggregator group that collects from it. */
  readonly consumerOf: Map<string, AggregatorGroupSpec>;
  /** producerWeight results, computed once per daemon. */
  readonly weights: Map<string, number>;
  /** What each aggregator group forwards to each consumer group in total (before sharing among members). */
  readonly forwarded: Map<string, number>;
}

// A loaded spec is not changed in place (it is replaced when the file is
// loaded again), so an index built once per spec object stays true.
const INDEXES = new WeakMap<ClusterSpec, SpecIndex>();

function build(spec: ClusterSpec): SpecIndex {
  const samplerGroupOf = new Map<string, SamplerGroupSpec>();
  for (const g of spec.samplerGroups) for (const m of g.members) samplerGroupOf.set(m, g);
  const consumerOf = new Map<string, AggregatorGroupSpec>();
  for (const g of spec.aggregatorGroups)
    for (const p of g.peers) for (const name of p.producers) consumerOf.set(name, g);
  return {
    daemons: new Map(spec.daemons.map((d) => [d.name, d])),
    samplerGroupOf,
    aggregatorGroups: new Map(spec.aggregatorGroups.map((g) => [g.group, g])),
    consumerOf,
    weights: new Map(),
    forwarded: new Map(),
  };
}

/** The index of `spec`, built on first use. */
export function specIndex(spec: ClusterSpec): SpecIndex {
  let index = INDEXES.get(spec);
  if (index === undefined) {
    index = build(spec);
    INDEXES.set(spec, index);
  }
  return index;
}

/** The daemon named `name`; throws CANOPY_ERR_UNKNOWN_DAEMON when the spec has none. */
export function daemonOf(spec: ClusterSpec, name: string): DaemonSpec {
  const d = specIndex(spec).daemons.get(name);
  if (d === undefined) {
    throw new ClusterError(
      CLUSTER_ERROR_CODES.unknownDaemon,
      `cluster '${spec.name}' has no daemon named '${name}'`,
    );
  }
  return d;
}
