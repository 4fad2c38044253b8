import { formatPath } from '../common/index.js';
import type { ConfigPath, ConfigReader } from '../common/index.js';
import type { EndpointSpec } from './cluster-spec.js';
import { readEndpoint } from './endpoints.js';
import { CLUSTER_KEYS } from './keys.js';
import { hostListAt, portsAt } from './read-helpers.js';
import { emptyRegistry } from './registry.js';
import type { Registry } from './registry.js';

/** Per-host listeners seen so far (`host:port` → who), to refuse two daemons on one port. */
type Listeners = Map<string, string>;

/** An endpoint with the index of the `endpoints:` entry that declared it. */
interface Declared {
  readonly ep: EndpointSpec;
  readonly j: number;
}

function claimListener(
  r: ConfigReader,
  seen: Listeners,
  path: ConfigPath,
  daemon: string,
  hostPort: string,
): void {
  const where = seen.get(hostPort);
  if (where === undefined) seen.set(hostPort, `'${daemon}' at ${formatPath(path)}`);
  else r.fail(path, `duplicate endpoint ${hostPort} (already used by ${where})`);
}

/** Hosts of an entry: one per daemon, or one host for all of them. */
function entryHosts(
  r: ConfigReader,
  path: ConfigPath,
  names: readonly string[],
): string[] | undefined {
  const hosts = hostListAt(r, [...path, 'hosts']);
  if (hosts === undefined) return undefined;
  if (hosts.length === 1) return names.map(() => hosts[0]!);
  if (hosts.length === names.length) return hosts;
  return r.fail(
    [...path, 'hosts'],
    `expands to ${hosts.length} hosts for ${names.length} daemons (give one host, or one per daemon)`,
  );
}

/**
 * The endpoints of one entry, per daemon, in file order. An endpoints entry
 * with a problem is left out (the problem is recorded); the rest are kept so
 * references to them still resolve.
 */
function entryEndpoints(
  r: ConfigReader,
  reg: Registry,
  path: ConfigPath,
  hosts: readonly string[],
): Declared[][] {
  const epPath = [...path, 'endpoints'];
  const perDaemon: Declared[][] = hosts.map(() => []);
  const raw = r.get(epPath);
  if (raw === undefined) r.fail(epPath, 'endpoints is required (at least one)');
  else if (Array.isArray(raw) && raw.length === 0)
    r.fail(epPath, 'at least one endpoint is required');
  for (const j of r.list(epPath)) {
    const eps = readEndpoint(r, [...epPath, j], hosts);
    if (eps === undefined) continue;
    const dup = eps.find((ep) => reg.endpoints.has(ep.name));
    if (dup !== undefined) r.fail([...epPath, j, 'names'], `duplicate endpoint name '${dup.name}'`);
    eps.forEach((ep, i) => perDaemon[i]!.push({ ep, j }));
    reg.endpointGroups.set(
      String(r.get([...epPath, j, 'names'])),
      eps.map((ep) => ep.name),
    );
  }
  return perDaemon;
}

/** `api: { ports }`: one HTTP listener per daemon on its host. */
function entryApi(
  r: ConfigReader,
  path: ConfigPath,
  hosts: readonly string[],
): number[] | undefined {
  const apiPath = [...path, 'api'];
  if (!r.object(apiPath, CLUSTER_KEYS.api)) return undefined;
  return portsAt(r, [...apiPath, 'ports'], hosts.length);
}

/** Record one daemon and its listeners. */
function register(
  r: ConfigReader,
  reg: Registry,
  seen: Listeners,
  d: {
    name: string;
    host: string;
    address: string;
    entry: number;
    declared: Declared[];
    apiPort?: number;
  },
): void {
  const path: ConfigPath = ['daemons', d.entry];
  d.declared.forEach(({ ep, j }, index) => {
    if (!reg.endpoints.has(ep.name)) reg.endpoints.set(ep.name, { daemon: d.name, index });
    claimListener(r, seen, [...path, 'endpoints', j, 'ports'], d.name, `${d.address}:${ep.port}`);
  });
  if (d.apiPort !== undefined)
    claimListener(r, seen, [...path, 'api', 'ports'], d.name, `${d.address}:${d.apiPort}`);
  reg.hosts.add(d.host);
  if (reg.daemons.has(d.name)) return;
  const api = d.apiPort === undefined ? undefined : { host: d.address, port: d.apiPort };
  const endpoints = d.declared.map((x) => x.ep);
  reg.daemons.set(d.name, { name: d.name, host: d.host, entry: d.entry, endpoints, api });
}

function readEntry(r: ConfigReader, reg: Registry, seen: Listeners, entry: number): void {
  const path: ConfigPath = ['daemons', entry];
  if (!r.object(path, CLUSTER_KEYS.daemon)) return;
  const names = hostListAt(r, [...path, 'names']);
  const text = r.get([...path, 'names']);
  // A broken names list still declares its group, so references to it do not
  // each add an 'unknown daemon group' echo of the one real problem.
  if (names === undefined) {
    if (typeof text === 'string') reg.daemonGroups.set(text, []);
    hostListAt(r, [...path, 'hosts']);
    return;
  }
  const dup = names.find((name) => reg.daemons.has(name));
  if (dup !== undefined) {
    const other = reg.daemons.get(dup)!.entry;
    r.fail([...path, 'names'], `duplicate daemon name '${dup}' (also in daemons[${other}])`);
  }
  reg.daemonGroups.set(String(text), names);
  const hosts = entryHosts(r, path, names);
  if (hosts === undefined) {
    // Still check the endpoints (their own problems), without registering them.
    entryEndpoints(r, emptyRegistry(), path, names);
    return;
  }
  // Canopy: several daemons on one machine share a network address but keep
  // their own host names in the namespace.
  const address = r.string([...path, 'address']);
  const addresses = hosts.map((h) => address ?? h);
  const endpoints = entryEndpoints(r, reg, path, addresses);
  const apiPorts = entryApi(r, path, hosts);
  names.forEach((name, k) => {
    const declared = endpoints[k] ?? [];
    const apiPort = apiPorts?.[k];
    const d = { name, host: hosts[k]!, address: addresses[k]!, entry, declared };
    register(r, reg, seen, apiPort === undefined ? d : { ...d, apiPort });
  });
}

/**
 * Read `daemons:`: every daemon with its host, endpoints and API listener.
 * Daemon names, endpoint names and host:port listeners must be unique in the
 * whole file.
 */
export function readDaemons(r: ConfigReader): Registry {
  const reg = emptyRegistry();
  const seen: Listeners = new Map();
  if (r.get(['daemons']) === undefined) r.fail(['daemons'], 'daemons is required');
  for (const i of r.list(['daemons'])) readEntry(r, reg, seen, i);
  return reg;
}
