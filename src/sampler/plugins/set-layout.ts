import { validateSetInstance } from '../../model/index.js';
import type { MetricDef, SetInstance } from '../../model/index.js';
import type { PluginContext } from '../plugin.js';

// Characters a namespace token may not contain (see model isValidToken); control
// characters included on purpose.
// eslint-disable-next-line no-control-regex
const INVALID_TOKEN_CHARS = /[\s:/\\*?[\]{}"'`\u0000-\u001f\u007f]/gu;
const MAX_TOKEN_CHARS = 200;

/**
 * Make a kernel-supplied name (interface, disk, process comm) usable as a
 * namespace token: every forbidden character becomes `_`, and the result is
 * cut short enough to stay under the 255-byte token limit.
 */
export function sanitizeToken(raw: string): string {
  const clean = raw.replace(INVALID_TOKEN_CHARS, '_').slice(0, MAX_TOKEN_CHARS);
  return clean.length === 0 ? '_' : clean;
}

/** Build and validate a set instance for this host from a schema's metrics. */
export function buildSet(
  ctx: PluginContext,
  groups: readonly string[],
  schemaName: string,
  metrics: readonly MetricDef[],
): SetInstance {
  return validateSetInstance({
    ous: ctx.ous,
    host: ctx.host,
    groups,
    schema: { name: schemaName, metrics },
  });
}

/**
 * Keeps one SetInstance for as long as the layout it was built from does not
 * change. A layout is described by a list of strings (metric names, or line
 * labels with field counts); the same list returns the same object, so the
 * daemon can cache by identity.
 */
export class SetLayout {
  #layout: readonly string[] = [];
  #set: SetInstance | null = null;

  /** The cached set when `layout` equals the previous one, else `build()`'s result. */
  resolve(layout: readonly string[], build: () => SetInstance): SetInstance {
    if (this.#set !== null && sameStrings(layout, this.#layout)) return this.#set;
    const set = build();
    this.#set = set;
    this.#layout = layout.slice();
    return set;
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copy the first `n` numbers of a scratch array into a fresh sample array. */
export function toValues(scratch: readonly number[], n = scratch.length): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = scratch[i]!;
  return out;
}
