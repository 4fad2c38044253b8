import type { EndpointSpec } from './cluster-spec.js';

/** A daemon as declared in `daemons:`, before roles and OUs are known. */
export interface DaemonRecord {
  readonly name: string;
  readonly host: string;
  /** Index of its `daemons:` entry. */
  readonly entry: number;
  readonly endpoints: EndpointSpec[];
  readonly api: { host: string; port: number } | undefined;
}

/** Everything `daemons:` declares, for the sections that refer to it. */
export interface Registry {
  /** `names` text of each daemons entry → its daemon names. */
  readonly daemonGroups: Map<string, string[]>;
  /** `names` text of each endpoints entry → its endpoint names. */
  readonly endpointGroups: Map<string, string[]>;
  readonly daemons: Map<string, DaemonRecord>;
  /** Endpoint name → the daemon it belongs to and its place among that daemon's endpoints. */
  readonly endpoints: Map<string, { daemon: string; index: number }>;
  /** Hosts that run at least one daemon. */
  readonly hosts: Set<string>;
  /**
   * References that did not resolve. Whole-file checks (unused daemons,
   * samplers nobody collects) are skipped when any did: they would only
   * repeat the broken reference in other words.
   */
  unresolved: number;
}

export function emptyRegistry(): Registry {
  return {
    daemonGroups: new Map(),
    endpointGroups: new Map(),
    daemons: new Map(),
    endpoints: new Map(),
    hosts: new Set(),
    unresolved: 0,
  };
}
