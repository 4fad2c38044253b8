/**
 * The `{name="value", …}` block shared by names (only `=`) and selectors
 * (`=`, `!=`, `=~`, `!~`). The syntax is Prometheus's so that names and
 * selectors pasted from PromQL or an exposition read the same way here.
 */

/** Label matcher operators, as in PromQL. */
export const LABEL_OPS = ['=', '!=', '=~', '!~'] as const;
export type LabelOp = (typeof LABEL_OPS)[number];

/** One `name op "value"` term of a label block, with the offset of its name. */
export interface LabelTerm {
  readonly name: string;
  readonly op: LabelOp;
  readonly value: string;
  readonly offset: number;
}

/** Reports a syntax problem at an offset of the whole text; never returns. */
export type SyntaxFail = (problem: string, offset: number) => never;

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_NAME_AT = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const WHITESPACE_AT = /[ \t\r\n]*/y;

/** True when `name` is a valid Prometheus label name. */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

/** Quote a label value with the Prometheus escapes (`\\`, `\"`, `\n`). */
export function quoteLabelValue(value: string): string {
  return `"${value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`;
}

/** Format terms as a canonical block: no spaces, terms in the given order. */
export function formatLabelTerms(
  terms: readonly Pick<LabelTerm, 'name' | 'op' | 'value'>[],
): string {
  return `{${terms.map((t) => `${t.name}${t.op}${quoteLabelValue(t.value)}`).join(',')}}`;
}

function skipSpace(text: string, pos: number): number {
  WHITESPACE_AT.lastIndex = pos;
  WHITESPACE_AT.test(text);
  return WHITESPACE_AT.lastIndex;
}

function readOp(text: string, pos: number): LabelOp | undefined {
  const two = text.slice(pos, pos + 2);
  if (two === '=~' || two === '!~' || two === '!=') return two;
  return text[pos] === '=' ? '=' : undefined;
}

/** Read a quoted value starting at the opening quote; returns the value and the index after it. */
function readQuoted(text: string, start: number, fail: SyntaxFail): [string, number] {
  let out = '';
  let pos = start + 1;
  while (pos < text.length) {
    const c = text[pos];
    if (c === '"') return [out, pos + 1];
    if (c === '\\') {
      const e = text[pos + 1];
      if (e === '\\' || e === '"') out += e;
      else if (e === 'n') out += '\n';
      else if (e === undefined) break;
      else fail(`invalid escape "\\${e}" in label value (only \\\\, \\" and \\n)`, pos);
      pos += 2;
      continue;
    }
    out += c;
    pos += 1;
  }
  return fail('unterminated label value', start);
}

/**
 * Parse a label block whose `{` is at `start`. Returns the terms and the
 * index just after the closing `}`. Whitespace is allowed around terms and a
 * trailing comma is accepted, as in PromQL.
 */
export function parseLabelBlock(
  text: string,
  start: number,
  fail: SyntaxFail,
): { terms: LabelTerm[]; end: number } {
  const terms: LabelTerm[] = [];
  let pos = skipSpace(text, start + 1);
  while (text[pos] !== '}') {
    if (pos >= text.length) fail('unterminated label block, expected "}"', start);
    LABEL_NAME_AT.lastIndex = pos;
    const m = LABEL_NAME_AT.exec(text);
    if (m === null) fail('expected a label name ([a-zA-Z_][a-zA-Z0-9_]*)', pos);
    const name = m[0];
    const nameAt = pos;
    pos = skipSpace(text, pos + name.length);
    const op = readOp(text, pos);
    if (op === undefined) fail(`expected =, !=, =~ or !~ after label "${name}"`, pos);
    pos = skipSpace(text, pos + op.length);
    if (text[pos] !== '"') fail(`expected '"' to open the value of label "${name}"`, pos);
    const [value, after] = readQuoted(text, pos, fail);
    terms.push({ name, op, value, offset: nameAt });
    pos = skipSpace(text, after);
    if (text[pos] === ',') pos = skipSpace(text, pos + 1);
    else if (text[pos] !== '}' && pos < text.length)
      fail('expected "," or "}" in label block', pos);
  }
  return { terms, end: pos + 1 };
}
