import { querySyntaxError } from './errors.js';
import { QUERY_LIMITS } from './limits.js';

const SPACE_AT = /[ \t\r\n]*/y;
const IDENT_AT = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const IDENT_CHAR = /[a-zA-Z0-9_]/;

/** Position in the query text plus the helpers every grammar rule needs. */
export class Cursor {
  readonly text: string;
  pos = 0;
  #depth = 0;

  constructor(text: string) {
    this.text = text;
  }

  /** Throw CANOPY_ERR_INVALID_QUERY for `problem` at `offset` (default: here). */
  fail(problem: string, offset: number = this.pos): never {
    throw querySyntaxError(this.text, problem, offset);
  }

  /** Index of the first non-space character at or after `from`. */
  spaceEnd(from: number = this.pos): number {
    SPACE_AT.lastIndex = from;
    SPACE_AT.test(this.text);
    return SPACE_AT.lastIndex;
  }

  skipSpace(): void {
    this.pos = this.spaceEnd();
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** What the cursor is looking at, for "expected X but found Y" messages. */
  found(at: number = this.pos): string {
    if (at >= this.text.length) return 'the end of the query';
    return JSON.stringify(this.text.slice(at, at + 12));
  }

  /** Consume `ch` when it is next; report whether it was. */
  eat(ch: string): boolean {
    if (this.text[this.pos] !== ch) return false;
    this.pos += 1;
    return true;
  }

  /** Consume `ch` or fail with "expected "ch" <where> but found …". */
  expect(ch: string, where: string): void {
    if (!this.eat(ch))
      this.fail(`expected ${JSON.stringify(ch)} ${where} but found ${this.found()}`);
  }

  /** The identifier at `at`, if any (not consumed). */
  identifierAt(at: number = this.pos): string | undefined {
    IDENT_AT.lastIndex = at;
    return IDENT_AT.exec(this.text)?.[0];
  }

  /** True when the whole word `word` stands at `at` (not a prefix of a longer identifier). */
  keywordAt(word: string, at: number = this.pos): boolean {
    return this.text.startsWith(word, at) && !IDENT_CHAR.test(this.text[at + word.length] ?? ' ');
  }

  /**
   * Run `rule` one nesting level deeper; the bound keeps hostile input such
   * as ten thousand `(` from overflowing the stack (a RangeError, not a
   * QueryError).
   */
  nested<T>(rule: () => T): T {
    if (this.#depth >= QUERY_LIMITS.maxDepth) {
      this.fail(`expression nested more than ${QUERY_LIMITS.maxDepth} levels deep`);
    }
    this.#depth += 1;
    try {
      return rule();
    } finally {
      this.#depth -= 1;
    }
  }
}
