import { parseLabelBlock } from './label-syntax.js';
import { regexCloseAt } from './regex-scan.js';
import type { LabelTerm, SyntaxFail } from './label-syntax.js';

/** One selector token as written; `regex` is set for a `/…/` token. */
export interface LexedToken {
  readonly source: string;
  readonly offset: number;
  readonly regex?: { readonly body: string; readonly flags: string };
}

/**
 * A selector split into its parts. `ous` and `rest` (host, groups, metric)
 * are empty only for a text without a path: empty, or a bare label block.
 */
export interface LexedSelector {
  readonly ous: readonly LexedToken[];
  readonly rest: readonly LexedToken[];
  readonly labels: readonly LabelTerm[];
}

/**
 * A `{` opens the label block (rather than a glob alternation) when a label
 * name, an operator and a quote follow, or when it is an empty `{}` at the
 * very end: a glob `{a,b}` can never contain a quote, since tokens cannot.
 */
const LABEL_START =
  /\{[ \t\r\n]*(?:[a-zA-Z_][a-zA-Z0-9_]*[ \t\r\n]*(?:=~|!~|!=|=)[ \t\r\n]*"|\}[ \t\r\n]*$)/y;
const REGEX_FLAGS = /[a-z]*/y;

function isLabelStart(text: string, pos: number): boolean {
  LABEL_START.lastIndex = pos;
  return LABEL_START.test(text);
}

/** Scan `/…/flags` from the opening slash; `/` inside `[…]` or after `\` does not close it. */
function scanRegex(text: string, start: number, fail: SyntaxFail): LexedToken & { end: number } {
  const pos = regexCloseAt(text, start);
  if (pos >= text.length) fail('unterminated regex (missing closing "/")', start);
  const body = text.slice(start + 1, pos);
  if (body.length === 0) fail('empty regex "//"', start);
  REGEX_FLAGS.lastIndex = pos + 1;
  const flags = REGEX_FLAGS.exec(text)?.[0] ?? '';
  if (flags !== '' && flags !== 'i') fail(`unsupported regex flags "${flags}" (only "i")`, pos + 1);
  const end = pos + 1 + flags.length;
  const next = text[end];
  if (next !== undefined && next !== ':' && !isLabelStart(text, end)) {
    fail('a regex must be a whole token (expected ":" after the closing "/")', end);
  }
  return { source: text.slice(start, end), offset: start, regex: { body, flags }, end };
}

function scanPlain(text: string, start: number): LexedToken & { end: number } {
  let pos = start;
  while (pos < text.length && text[pos] !== ':') {
    if (text[pos] === '{' && isLabelStart(text, pos)) break;
    pos += 1;
  }
  return { source: text.slice(start, pos), offset: start, end: pos };
}

function checkShape(text: string, tokens: LexedToken[], sepAt: number, fail: SyntaxFail): void {
  if (sepAt < 0) fail('missing "::" between the OUs and the host', text.length);
  const rest = tokens.length - sepAt;
  if (rest < 2) {
    const last = tokens[tokens.length - 1];
    fail('missing metric after the host', last ? last.offset + last.source.length : text.length);
  }
}

/**
 * Split selector text into OU tokens, host/group/metric tokens and label
 * terms, with the offset of each. Only the shape is checked here; token
 * contents are checked when each is compiled.
 */
export function lexSelector(text: string, fail: SyntaxFail): LexedSelector {
  if (text.length === 0) return { ous: [], rest: [], labels: [] };
  if (isLabelStart(text, 0)) return { ous: [], rest: [], labels: lexLabels(text, 0, fail) };
  const tokens: LexedToken[] = [];
  let sepAt = -1;
  let pos = 0;
  let labels: LabelTerm[] = [];
  for (;;) {
    const tok = text[pos] === '/' ? scanRegex(text, pos, fail) : scanPlain(text, pos);
    if (tok.source.length === 0) fail('empty token', pos);
    tokens.push({
      source: tok.source,
      offset: tok.offset,
      ...(tok.regex ? { regex: tok.regex } : {}),
    });
    pos = tok.end;
    if (pos >= text.length) break;
    if (text[pos] === '{') {
      labels = lexLabels(text, pos, fail);
      break;
    }
    if (text[pos + 1] === ':') {
      if (sepAt >= 0) fail('a second "::" (only one separates the OUs from the host)', pos);
      sepAt = tokens.length;
      pos += 2;
    } else {
      pos += 1;
    }
    if (pos >= text.length) fail('empty token at the end', pos);
  }
  checkShape(text, tokens, sepAt, fail);
  return { ous: tokens.slice(0, sepAt), rest: tokens.slice(sepAt), labels };
}

function lexLabels(text: string, start: number, fail: SyntaxFail): LabelTerm[] {
  const { terms, end } = parseLabelBlock(text, start, fail);
  if (end !== text.length) fail('unexpected text after the label block', end);
  return terms;
}
