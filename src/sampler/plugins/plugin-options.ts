import { pluginConfigError } from '../errors.js';

interface IntRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Typed access to one plugin's options. Every getter validates and throws a
 * CANOPY_ERR_PLUGIN_CONFIG SamplerError naming the plugin and the option, so
 * a bad config fails when the plugin is created, never on a later tick.
 */
export class PluginOptions {
  readonly #plugin: string;
  readonly #config: Record<string, unknown>;

  /** Rejects any option not in `allowed` (catches typos such as `hots`). */
  constructor(plugin: string, config: Record<string, unknown>, allowed: readonly string[]) {
    this.#plugin = plugin;
    this.#config = config;
    for (const key of Object.keys(config)) {
      if (!allowed.includes(key)) {
        const known = allowed.length === 0 ? 'it takes no options' : `known: ${allowed.join(', ')}`;
        throw pluginConfigError(plugin, key, `unknown option (${known})`);
      }
    }
  }

  /** An integer in `range`, or `fallback` when absent. */
  int(key: string, fallback: number, range: IntRange): number {
    return this.optInt(key, range) ?? fallback;
  }

  /** An integer in `range`, or undefined when absent. */
  optInt(key: string, range: IntRange): number | undefined {
    const v = this.#config[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max) {
      throw this.#error(key, `must be an integer in ${range.min}..${range.max}, got ${show(v)}`);
    }
    return v;
  }

  /** A string, or `fallback` when absent. */
  string(key: string, fallback: string): string {
    const v = this.#config[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw this.#error(key, `must be a string, got ${show(v)}`);
    return v;
  }

  /** A boolean, or `fallback` when absent. */
  bool(key: string, fallback: boolean): boolean {
    const v = this.#config[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw this.#error(key, `must be true or false, got ${show(v)}`);
    return v;
  }

  /** One of `values`, or `fallback` when absent. */
  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.#config[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      throw this.#error(key, `must be one of ${values.join(', ')}, got ${show(v)}`);
    }
    return v as T;
  }

  /** A regular expression given as a string (without slashes), or undefined when absent. */
  regex(key: string): RegExp | undefined {
    const v = this.#config[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw this.#error(key, `must be a regex string, got ${show(v)}`);
    try {
      return new RegExp(v, 'u');
    } catch (err) {
      throw this.#error(key, `invalid regex ${show(v)}: ${(err as Error).message}`);
    }
  }

  /** A non-empty array of strings, or undefined when absent. */
  stringArray(key: string): string[] | undefined {
    const v = this.#config[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string')) {
      throw this.#error(key, `must be a non-empty array of strings, got ${show(v)}`);
    }
    return v as string[];
  }

  /** A configuration error for `key` found by the plugin itself (cross-option checks). */
  error(key: string, problem: string): Error {
    return this.#error(key, problem);
  }

  #error(key: string, problem: string): Error {
    return pluginConfigError(this.#plugin, key, problem);
  }
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
