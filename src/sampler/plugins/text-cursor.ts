/**
 * A forward-only cursor over /proc text. The plugins parse with it instead of
 * `split` and regular expressions because it walks each file once and
 * allocates nothing for numbers: only names that are kept become strings.
 */
export class TextCursor {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  /** True at the end of the text. */
  eof(): boolean {
    return this.pos >= this.text.length;
  }

  /** True at a newline or at the end of the text (after skipping blanks). */
  atEol(): boolean {
    this.skipBlanks();
    return this.pos >= this.text.length || this.text.charCodeAt(this.pos) === NL;
  }

  /** Skip spaces and tabs, not newlines. */
  skipBlanks(): void {
    const t = this.text;
    let p = this.pos;
    for (let c = t.charCodeAt(p); c === SP || c === TAB; c = t.charCodeAt(++p));
    this.pos = p;
  }

  /** Move to the start of the next line. */
  nextLine(): void {
    const i = this.text.indexOf('\n', this.pos);
    this.pos = i < 0 ? this.text.length : i + 1;
  }

  /** Skip blanks, then return the run of non-blank characters up to `stop` (exclusive) or whitespace. */
  token(stop = -1): string {
    this.skipBlanks();
    const t = this.text;
    const start = this.pos;
    let p = start;
    for (let c = t.charCodeAt(p); p < t.length; c = t.charCodeAt(++p)) {
      if (c === SP || c === TAB || c === NL || c === stop) break;
    }
    this.pos = p;
    return t.slice(start, p);
  }

  /** If the next character is `code`, consume it and return true. */
  accept(code: number): boolean {
    if (this.text.charCodeAt(this.pos) !== code) return false;
    this.pos++;
    return true;
  }

  /**
   * Skip blanks and parse an unsigned decimal integer. Returns NaN when no
   * digit is there. Values above 2^53 lose precision like any f64 slot.
   */
  uint(): number {
    this.skipBlanks();
    const t = this.text;
    let p = this.pos;
    let c = t.charCodeAt(p);
    if (c < D0 || c > D9) return NaN;
    let v = 0;
    for (; c >= D0 && c <= D9; c = t.charCodeAt(++p)) v = v * 10 + (c - D0);
    this.pos = p;
    return v;
  }

  /** Skip blanks and parse a signed decimal integer (NaN when absent). */
  int(): number {
    this.skipBlanks();
    const negative = this.accept(MINUS);
    const v = this.uint();
    return negative ? -v : v;
  }

  /** Skip blanks and parse a decimal number with an optional fraction (NaN when absent). */
  float(): number {
    const tok = this.token();
    return tok.length === 0 ? NaN : Number(tok);
  }

  /** Skip the next whitespace-separated token. */
  skipToken(): void {
    this.token();
  }
}

const NL = 10;
const TAB = 9;
const SP = 32;
const D0 = 48;
const D9 = 57;
const MINUS = 45;

/** Character codes the plugins look for. */
export const CHAR = { colon: 58, openParen: 40, closeParen: 41, nl: NL } as const;
