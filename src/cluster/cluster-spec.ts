import type { ClusterSumStats } from './sumstats-section.js';
/** How a peer authenticates on one endpoint (Maestro `auth`, resolved). */
export type EndpointAuth = { mode: 'none' } | { mode: 'secret'; secretFile: string };

/** One wire listener of a daemon (a Maestro endpoint), resolved to host and port. */
export interface EndpointSpec {
  /** The endpoint's own name, e.g. `node-1-10002`; referenced by peers' `endpoints:`. */
  name: string;
  host: string;
  port: number;
  /** Only `sock` (TCP) exists so far; rdma and ugni are refused at load time. */
  transport: 'tcp';
  auth: EndpointAuth;
}

/** One daemon of the cluster: a sampler or an aggregator on one host. */
export interface DaemonSpec {
  name: string;
  host: string;
  /** The `daemons:` text of the samplers or aggregators entry this daemon belongs to. */
  group: string;
  role: 'sampler' | 'aggregator';
  /** Organisational units: the host's `ous:` placement, else (aggregators) the common OU of what they cover. */
  ous: string[];
  /** The first endpoint: the one peers dial and the daemon's `listen` address. */
  endpoint: EndpointSpec;
  endpoints: EndpointSpec[];
  /** HTTP API listener (Canopy's `api: { ports }` addition); undefined = none. */
  api: { host: string; port: number } | undefined;
}

/** One sampler plugin with its schedule. */
export interface PluginPlan {
  name: string;
  intervalMs: number;
  offsetMs: number;
  config: Record<string, unknown>;
}

/** One `peers:` (Maestro `producers:`) entry of an aggregator group, resolved. */
export interface PeerSpec {
  /** The peer's `daemons:` text as written (the producers' group name when it names a whole group). */
  group: string;
  /** Producer daemon names, in file order. */
  producers: string[];
  /** `pull`: the aggregator dials and subscribes (Maestro `type: active`); `push`: producers dial in (`passive`). */
  transport: 'pull' | 'push';
  reconnectMs: number;
  intervalMs: number;
  offsetMs: number;
  /** Regular-expression source over set schema names (several `sets:` entries are alternated). */
  sets: string;
}

/** One CSV store of an aggregator group. */
export interface CsvStoreSpec {
  dir: string;
  /** Regular-expression source over schema names; undefined = every schema. */
  schemas: string | undefined;
  rotateMs: number | undefined;
}

/** One `aggregators:` entry: the daemons of one level that share producers. */
export interface AggregatorGroupSpec {
  group: string;
  members: string[];
  /** 1 when every peer is a sampler, else 1 + the highest level among peer groups. */
  level: number;
  /** How the level below forwards into this group. */
  mode: 'full' | 'summary';
  /** How producers are balanced over members: by count, or by weight (set size × update rate). */
  balance: 'count' | 'weight';
  peers: PeerSpec[];
  archiveDir: string | undefined;
  csv: CsvStoreSpec[];
}

/** One `samplers:` entry: daemons that run the same plugins. */
export interface SamplerGroupSpec {
  group: string;
  members: string[];
  plugins: PluginPlan[];
}

/** A validated, fully resolved cluster file. */
export interface ClusterSpec {
  name: string;
  /** etcd endpoints from `coordination.etcd`; undefined = not given (the CLI decides). */
  etcd: string[] | undefined;
  daemons: DaemonSpec[];
  aggregatorGroups: AggregatorGroupSpec[];
  samplerGroups: SamplerGroupSpec[];
  /** Distributed summary statistics (`sumstats:`); undefined when the file has none. */
  sumstats?: ClusterSumStats | undefined;
}
