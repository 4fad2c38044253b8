import { readFileSync } from 'node:fs';
import { durationMs, endpointOf, sizeBytes } from './units.js';
import { ConfigError, YamlSource } from './yaml-source.js';
import type { ConfigPath, ConfigProblem } from './yaml-source.js';

/**
 * Reads typed fields out of a YAML config, collecting every problem (with
 * file, line, column and path) instead of stopping at the first, and refusing
 * unknown keys so a typo never silently falls back to a default.
 */
export class ConfigReader {
  readonly source: YamlSource;
  readonly problems: ConfigProblem[] = [];

  constructor(source: YamlSource) {
    this.source = source;
  }

  static fromFile(path: string): ConfigReader {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError([
        { file: path, line: 0, column: 0, path: '', message: (err as Error).message },
      ]);
    }
    return new ConfigReader(new YamlSource(text, path));
  }

  fail(path: ConfigPath, message: string): undefined {
    this.problems.push(this.source.problem(path, message));
    return undefined;
  }

  /** Throw every problem found so far, if any. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  get(path: ConfigPath): unknown {
    let v: unknown = this.source.value;
    for (const k of path)
      v =
        v === null || typeof v !== 'object'
          ? undefined
          : (v as Record<string | number, unknown>)[k];
    return v;
  }

  /** A mapping at `path`: checks it is one and that it has no key outside `allowed`. */
  object(path: ConfigPath, allowed: readonly string[]): boolean {
    const v = this.get(path);
    if (v === undefined && path.length > 0) return false;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return this.fail(path, 'expected a mapping') ?? false;
    for (const key of Object.keys(v)) {
      if (!allowed.includes(key)) {
        const message = `unknown key '${key}' (allowed: ${allowed.join(', ')})`;
        this.problems.push(this.source.keyProblem([...path, key], message));
      }
    }
    return true;
  }

  string(path: ConfigPath): string | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v.length > 0) return v;
    if (typeof v === 'number') return String(v);
    return this.fail(path, 'expected a non-empty string');
  }

  int(path: ConfigPath, min: number): number | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    return this.fail(path, `expected an integer ≥ ${min}`);
  }

  duration(path: ConfigPath): number | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? durationMs(v) : undefined;
    return ms !== undefined && ms >= 0
      ? ms
      : this.fail(path, 'expected a duration such as 500ms, 10s, 5m or a number of ms');
  }

  size(path: ConfigPath): number | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    const bytes = typeof v === 'number' ? v : typeof v === 'string' ? sizeBytes(v) : undefined;
    return bytes !== undefined && bytes > 0
      ? bytes
      : this.fail(path, 'expected a size such as 64MiB or a number of bytes');
  }

  endpoint(path: ConfigPath): { host: string; port: number } | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    const ep = typeof v === 'string' || typeof v === 'number' ? endpointOf(String(v)) : undefined;
    return ep ?? this.fail(path, 'expected host:port');
  }

  oneOf<const T extends string>(path: ConfigPath, values: readonly T[]): T | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    return this.fail(path, `expected one of ${values.join(', ')}`);
  }

  /** Indices of the list at `path` (empty when absent; a problem when not a list). */
  list(path: ConfigPath): number[] {
    const v = this.get(path);
    if (v === undefined) return [];
    if (!Array.isArray(v)) return this.fail(path, 'expected a list') ?? [];
    return v.map((_, i) => i);
  }
}
