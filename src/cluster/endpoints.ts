import type { ConfigPath, ConfigReader } from '../common/index.js';
import type { EndpointAuth, EndpointSpec } from './cluster-spec.js';
import { CLUSTER_KEYS } from './keys.js';
import { hostListAt, portsAt } from './read-helpers.js';

/** Maestro transports Canopy does not speak (yet): refused with a clear message. */
const UNSUPPORTED_XPRTS = ['rdma', 'ugni', 'fabric'];

function transportAt(r: ConfigReader, path: ConfigPath): 'tcp' | undefined {
  const v = r.get(path);
  if (v === undefined || v === 'sock') return 'tcp';
  if (typeof v === 'string' && UNSUPPORTED_XPRTS.includes(v))
    return r.fail(path, `transport '${v}' is not supported (only sock, which is TCP)`);
  return r.fail(path, 'expected sock (TCP; rdma and ugni are not supported)');
}

/** A secret file named by `conf`, required for secret authentication. */
function secretAuth(r: ConfigReader, path: ConfigPath): EndpointAuth | undefined {
  if (r.get([...path, 'conf']) === undefined)
    return r.fail(path, 'conf (the secret file) is required for secret authentication');
  const file = r.string([...path, 'conf']);
  return file === undefined ? undefined : { mode: 'secret', secretFile: file };
}

/**
 * `auth: { name: none }`, `{ name: secret, conf: FILE }`, or Maestro's
 * `{ name: DOMAIN, plugin: ovis|munge|none, conf: FILE }` where ovis is
 * LDMS's shared-secret scheme (Canopy's `secret`) and munge is refused.
 */
function authAt(r: ConfigReader, path: ConfigPath): EndpointAuth | undefined {
  if (r.get(path) === undefined) return { mode: 'none' };
  if (!r.object(path, CLUSTER_KEYS.auth)) return undefined;
  const name = r.string([...path, 'name']);
  const pluginPath = [...path, 'plugin'];
  let mode: string | undefined = name;
  if (r.get(pluginPath) !== undefined) {
    const plugin = r.oneOf(pluginPath, ['ovis', 'munge', 'none'] as const);
    if (plugin === 'munge')
      return r.fail(pluginPath, 'auth plugin munge is not supported (use ovis: a shared secret)');
    mode = plugin === 'ovis' ? 'secret' : plugin;
  } else if (name === undefined) {
    return r.fail(path, 'name is required (none or secret)');
  } else if (name !== 'none' && name !== 'secret') {
    return r.fail(
      [...path, 'name'],
      `unknown auth '${name}' (expected none, secret or a plugin: ovis)`,
    );
  }
  if (mode === 'secret') return secretAuth(r, path);
  if (mode === 'none' && r.get([...path, 'conf']) !== undefined)
    return r.fail([...path, 'conf'], 'conf is only used with secret authentication');
  return mode === undefined ? undefined : { mode: 'none' };
}

/**
 * One `endpoints:` entry of a daemons entry: one endpoint per daemon (names
 * expand to as many as `daemons`), on that daemon's host. Undefined when
 * anything in it is wrong (the problems are recorded).
 */
export function readEndpoint(
  r: ConfigReader,
  path: ConfigPath,
  daemonHosts: readonly string[],
): EndpointSpec[] | undefined {
  if (!r.object(path, CLUSTER_KEYS.endpoint)) return undefined;
  const count = daemonHosts.length;
  const names = hostListAt(r, [...path, 'names']);
  if (names !== undefined && names.length !== count) {
    r.fail(
      [...path, 'names'],
      `expands to ${names.length} endpoint names for ${count} daemons (one per daemon)`,
    );
  }
  const ports = portsAt(r, [...path, 'ports'], count);
  const transport = transportAt(r, [...path, 'xprt']);
  const auth = authAt(r, [...path, 'auth']);
  const comm = r.get([...path, 'maestro_comm']);
  if (comm !== undefined && typeof comm !== 'boolean')
    r.fail([...path, 'maestro_comm'], 'expected true or false');
  if (names?.length !== count || !ports || !transport || !auth) return undefined;
  return names.map((name, i) => ({
    name,
    host: daemonHosts[i]!,
    port: ports[i]!,
    transport,
    auth,
  }));
}
