import type { PluginOptions } from './plugin-options.js';

const MAX_CACHED_NAMES = 4096;

/**
 * Include/exclude regular expressions over device names (interfaces, disks).
 * Decisions are cached per name so the regexes run once per new device, not
 * once per line per tick.
 */
export class NameFilter {
  readonly #include: RegExp | undefined;
  readonly #exclude: RegExp | undefined;
  readonly #cache = new Map<string, boolean>();

  constructor(include: RegExp | undefined, exclude: RegExp | undefined) {
    this.#include = include;
    this.#exclude = exclude;
  }

  /** Read `include` and `exclude` options; `defaultExclude` applies when `exclude` is absent. */
  static fromOptions(options: PluginOptions, defaultExclude?: RegExp): NameFilter {
    return new NameFilter(options.regex('include'), options.regex('exclude') ?? defaultExclude);
  }

  /** True when `name` passes the include regex (if any) and not the exclude regex. */
  accepts(name: string): boolean {
    let ok = this.#cache.get(name);
    if (ok === undefined) {
      ok =
        (this.#include === undefined || this.#include.test(name)) &&
        (this.#exclude === undefined || !this.#exclude.test(name));
      // Device names churn on container hosts (veth*); bound the cache rather than grow forever.
      if (this.#cache.size >= MAX_CACHED_NAMES) this.#cache.clear();
      this.#cache.set(name, ok);
    }
    return ok;
  }
}
