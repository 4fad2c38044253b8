import { LineCounter, parseDocument } from 'yaml';
import { CanopyError } from './errors.js';

/** A path into a config document, e.g. ['pull', 0, 'endpoint']. */
export type ConfigPath = readonly (string | number)[];

/** One problem found in a config file, located by file, line, column and path. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/** A config file with every problem found in it; nothing is loaded when it is thrown. */
export class ConfigError extends CanopyError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super('CANOPY_ERR_CONFIG', problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `cluster.yaml:42:7 aggregators[0].peers[1]: message` */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column} ${p.path === '' ? '(top level)' : p.path}: ${p.message}`;
}

export function formatPath(path: ConfigPath): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/**
 * A parsed YAML document that can say where any path is in the source, so
 * every validation error names file, line and column.
 */
export class YamlSource {
  readonly file: string;
  readonly value: unknown;
  readonly #doc: ReturnType<typeof parseDocument>;
  readonly #lines: LineCounter;

  constructor(text: string, file: string) {
    this.file = file;
    this.#lines = new LineCounter();
    this.#doc = parseDocument(text, {
      lineCounter: this.#lines,
      prettyErrors: false,
      uniqueKeys: true,
    });
    const problems = this.#doc.errors.map((e) => {
      const pos = this.#lines.linePos(e.pos[0]);
      return {
        file,
        line: pos.line,
        column: pos.col,
        path: '',
        message: e.message.split('\n')[0] ?? e.message,
      };
    });
    if (problems.length > 0) throw new ConfigError(problems);
    this.value = this.#doc.toJS({ maxAliasCount: 1000 });
  }

  /** A problem about the key itself at `path` (an unknown key): located at the key, not its value. */
  keyProblem(path: ConfigPath, message: string): ConfigProblem {
    const parent =
      this.#doc.getIn(path.slice(0, -1), true) ??
      (path.length === 1 ? this.#doc.contents : undefined);
    const items = (
      parent as
        { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined
    )?.items;
    const key = items?.find((pair) => pair.key?.value === path[path.length - 1])?.key;
    if (key?.range) {
      const pos = this.#lines.linePos(key.range[0]);
      return { file: this.file, line: pos.line, column: pos.col, path: formatPath(path), message };
    }
    return this.problem(path, message);
  }

  /** A problem at `path` (the nearest existing node when the path itself is missing). */
  problem(path: ConfigPath, message: string): ConfigProblem {
    for (let n = path.length; n >= 0; n--) {
      const node = this.#doc.getIn(path.slice(0, n), true) as
        { range?: [number, number, number] } | undefined;
      const range = node?.range ?? (n === 0 ? this.#doc.contents?.range : undefined);
      if (range) {
        const pos = this.#lines.linePos(range[0]);
        return {
          file: this.file,
          line: pos.line,
          column: pos.col,
          path: formatPath(path),
          message,
        };
      }
    }
    return { file: this.file, line: 1, column: 1, path: formatPath(path), message };
  }
}
