import type { ConfigPath, ConfigReader } from '../common/index.js';
import { compressHostList, expandHostList, ModelError } from '../model/index.js';

/** A host list expands to at most this many names in a cluster file (1 M, the model's default). */
const MAX_NAMES = 1_000_000;

/** A required string: a problem naming the key when it is missing. */
export function requiredString(r: ConfigReader, path: ConfigPath): string | undefined {
  const key = path[path.length - 1];
  if (r.get(path) === undefined) return r.fail(path, `${String(key)} is required`);
  return r.string(path);
}

/**
 * Expand the host list at `path` (`node-[1-10]`, `node-[1-4]-[10002]`, `a,b`);
 * a bad range or an empty expansion is a problem at that path.
 */
export function hostListAt(r: ConfigReader, path: ConfigPath): string[] | undefined {
  const text = requiredString(r, path);
  return text === undefined ? undefined : expandText(r, path, text);
}

/** Expand `text` (read from `path`), reporting a bad list there. */
export function expandText(r: ConfigReader, path: ConfigPath, text: string): string[] | undefined {
  try {
    const names = expandHostList(text, { maxHosts: MAX_NAMES });
    return names.length > 0 ? names : r.fail(path, 'expected a host list such as node-[1-10]');
  } catch (err) {
    if (err instanceof ModelError) return r.fail(path, err.message);
    throw err;
  }
}

/**
 * Ports at `path`: a number, or a bracket list such as `[10002]` or
 * `[10002-10011]`; `count` daemons take one each, or all share one port.
 */
export function portsAt(r: ConfigReader, path: ConfigPath, count: number): number[] | undefined {
  const raw = r.get(path);
  if (raw === undefined) return r.fail(path, `${String(path[path.length - 1])} is required`);
  const texts = typeof raw === 'number' ? [String(raw)] : hostListAt(r, path);
  if (texts === undefined) return undefined;
  const ports = texts.map(Number);
  const bad = texts.find((t, i) => !/^\d+$/.test(t) || ports[i]! < 1 || ports[i]! > 65535);
  if (bad !== undefined) return r.fail(path, `'${bad}' is not a port number (1..65535)`);
  if (ports.length === 1) return new Array<number>(count).fill(ports[0]!);
  if (ports.length !== count) {
    return r.fail(
      path,
      `expands to ${ports.length} ports for ${count} daemons (give one, or one per daemon)`,
    );
  }
  return ports;
}

/** Names in host-list form (`'sampler-[6-10]'`), so a long list stays one short line. */
export function quoteList(names: readonly string[]): string {
  return `'${compressHostList(names)}'`;
}
