import type { ConfigPath, ConfigReader } from '../common/index.js';
import { expandHostList } from '../model/index.js';
import { quoteList } from './read-helpers.js';
import type { Registry } from './registry.js';

/** What a reference names: daemons, or daemons' endpoints. */
type RefKind = 'daemon' | 'endpoint';

/** A resolved reference: the text as written and the names it stands for. */
export interface Resolved {
  readonly text: string;
  readonly names: string[];
}

function expandOrUndefined(text: string): string[] | undefined {
  try {
    return expandHostList(text);
  } catch {
    return undefined;
  }
}

/**
 * Resolve a reference such as `daemons: *l1-agg` or `endpoints: node-[1-5]-[10002]`:
 * the exact `names` text of a declared entry names that whole group; any
 * other text must be a host list whose every expansion is a declared name.
 * Anything else is `unknown daemon group '…'` (or endpoint group).
 */
export function resolveRef(
  r: ConfigReader,
  reg: Registry,
  path: ConfigPath,
  kind: RefKind,
): Resolved | undefined {
  const raw = r.get(path);
  if (raw === undefined) {
    reg.unresolved += 1;
    return r.fail(path, `${String(path[path.length - 1])} is required`);
  }
  const text = r.string(path);
  if (text === undefined) {
    reg.unresolved += 1;
    return undefined;
  }
  const groups = kind === 'daemon' ? reg.daemonGroups : reg.endpointGroups;
  const group = groups.get(text);
  if (group !== undefined && group.length > 0) return { text, names: group };
  // A declared group whose own list is broken: that problem is already reported.
  if (group !== undefined) {
    reg.unresolved += 1;
    return undefined;
  }
  const names = expandOrUndefined(text);
  const known = (n: string): boolean =>
    kind === 'daemon' ? reg.daemons.has(n) : reg.endpoints.has(n);
  if (names !== undefined && names.length > 0 && names.every(known)) return { text, names };
  reg.unresolved += 1;
  const missing = names?.filter((n) => !known(n)) ?? [];
  const detail =
    missing.length > 0 && missing.length < (names?.length ?? 0)
      ? ` (no ${kind} named ${quoteList(missing)})`
      : '';
  return r.fail(path, `unknown ${kind} group '${text}'${detail}`);
}
