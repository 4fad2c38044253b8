import type { ClusterSpec, PluginPlan } from '../cluster/index.js';

/**
 * Where a cluster lives in the coordination store (docs/controller.md). One
 * prefix per cluster, so several clusters can share one etcd.
 */
export class ClusterKeys {
  readonly prefix: string;

  constructor(cluster: string) {
    this.prefix = `/canopy/${cluster}/`;
  }

  /** The loaded cluster config (YAML text and resolved spec). */
  get config(): string {
    return `${this.prefix}config`;
  }
  /** Election of the leading controller. */
  get leader(): string {
    return `${this.prefix}leader`;
  }
  /** Live daemons, one key each, attached to the daemon's lease. */
  get members(): string {
    return `${this.prefix}members/`;
  }
  member(name: string): string {
    return `${this.members}${name}`;
  }
  /** Where each daemon can be reached and keeps its archive; outlives the daemon. */
  get directory(): string {
    return `${this.prefix}directory/`;
  }
  directoryEntry(name: string): string {
    return `${this.directory}${name}`;
  }
  /** The producers each aggregator pulls from. */
  get assignments(): string {
    return `${this.prefix}assign/`;
  }
  assignment(aggregator: string): string {
    return `${this.assignments}${aggregator}`;
  }
  /** Each sampler's desired plugin list (config plus active captures). */
  get samplers(): string {
    return `${this.prefix}samplers/`;
  }
  sampler(name: string): string {
    return `${this.samplers}${name}`;
  }
  /** Which aggregator held which host when. */
  get catalog(): string {
    return `${this.prefix}catalog/`;
  }
  catalogEntry(host: string): string {
    return `${this.catalog}${host}`;
  }
  /** On-demand captures; holders are lease-bound keys under each capture. */
  get captures(): string {
    return `${this.prefix}captures/`;
  }
  capture(id: string): string {
    return `${this.captures}${id}`;
  }
  captureHolder(id: string, holder: string): string {
    return `${this.captures}${id}/holders/${holder}`;
  }
  /** Failover and rebalance events, newest last (bounded). */
  get events(): string {
    return `${this.prefix}events/`;
  }
  /** The key's last path component. */
  nameOf(key: string, under: string): string {
    return key.slice(under.length);
  }
}

export interface StoredConfig {
  file: string;
  yaml: string;
  spec: ClusterSpec;
  loadedAtMs: number;
}

/** A live daemon, as it announces itself under its lease. */
export interface MemberRecord {
  name: string;
  role: 'aggregator' | 'controller';
  group: string;
  level: number;
  endpoint: { host: string; port: number } | null;
  api: string | null;
  pid: number;
  /**
   * When this registration began (start, or re-registration after a lost
   * lease); the controller's settle delay counts from here.
   */
  startedAtMs: number;
  /** Refreshed every few seconds: producers connected, ingest totals, replay backlog. */
  health?: MemberHealth;
}

export interface MemberHealth {
  atMs: number;
  producersAssigned: number;
  producersConnected: number;
  samplesIn: number;
  replayBacklogSamples: number;
}

/** Reachability of a daemon that survives its death (for history queries). */
export interface DirectoryRecord {
  name: string;
  api: string | null;
  archiveDir: string | null;
  endpoint: { host: string; port: number } | null;
  updatedAtMs: number;
}

export interface AssignedProducer {
  /** Daemon name of the producer (a sampler or a lower aggregator). */
  name: string;
  /** Host the producer runs on (the catalog key). */
  host: string;
  endpoint: { host: string; port: number };
  mode: 'full' | 'summary';
  /** Previous holders whose replay buffers the producer hands over. */
  takeover: string[];
}

export interface AssignmentRecord {
  aggregator: string;
  producers: AssignedProducer[];
  atMs: number;
}

export interface SamplerDesired {
  daemon: string;
  plugins: PluginPlan[];
  /** Ids of active captures folded into `plugins`. */
  captures: string[];
}

export interface CaptureRecord {
  id: string;
  selector: string;
  host: string;
  /** Sampler daemon that runs on `host`. */
  daemon: string;
  plugin: string;
  intervalMs: number;
  untilMs: number;
  createdAtMs: number;
}

export interface ClusterEvent {
  atMs: number;
  kind: 'member-up' | 'member-down' | 'reassign' | 'leader' | 'config';
  subject: string;
  detail: string;
}

/** Parse a stored JSON record; undefined (never a throw) when it is not an object. */
export function parseRecord<T extends object>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}
