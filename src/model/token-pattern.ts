import type { SyntaxFail } from './label-syntax.js';
import { isValidToken } from './schema.js';

/**
 * One compiled token of a selector. Literal tokens compare by string
 * equality and a lone `*` matches without a call to a RegExp; only real globs
 * and `/regex/` tokens pay for a RegExp test. `**` (any number of tokens) is
 * a marker handled by the sequence matcher, never tested on its own.
 */
export interface TokenPattern {
  readonly kind: 'literal' | 'any' | 'glob' | 'regex' | 'globstar';
  /** The token as written in the selector. */
  readonly source: string;
  readonly test: (token: string) => boolean;
}

const GLOB_META = /[*?[\]{}]/;
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/;
const CLASS_SPECIAL = /[\\\]^[-]/;

/** The `**` pattern: zero or more whole tokens. */
export const GLOBSTAR: TokenPattern = {
  kind: 'globstar',
  source: '**',
  test: () => true,
};

/**
 * Compile `^(?:body)$`. The body is compiled alone first so that a body such
 * as `a)|(b` cannot escape the anchoring group and match part of a token.
 */
export function anchoredRegex(body: string, flags: string): RegExp {
  new RegExp(body, flags);
  return new RegExp(`^(?:${body})$`, flags);
}

/** Compile a `/regex/` token (body without slashes) anchored to the whole token. */
export function compileRegexToken(
  source: string,
  body: string,
  flags: string,
  offset: number,
  fail: SyntaxFail,
): TokenPattern {
  let re: RegExp;
  try {
    re = anchoredRegex(body, flags);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return fail(`invalid regex ${source} (${why})`, offset);
  }
  return { kind: 'regex', source, test: (t) => re.test(t) };
}

function literalChar(ch: string, at: number, fail: SyntaxFail): string {
  if (!isValidToken(ch)) fail(`invalid character ${JSON.stringify(ch)} in token`, at);
  return REGEX_SYNTAX.test(ch) ? `\\${ch}` : ch;
}

function classChar(ch: string, at: number, fail: SyntaxFail): string {
  if (!isValidToken(ch)) fail(`invalid character ${JSON.stringify(ch)} in "[…]"`, at);
  return CLASS_SPECIAL.test(ch) ? `\\${ch}` : ch;
}

/** Translate `[…]` starting at index `i` of `chars`; returns the regex class and the next index. */
function globClass(
  chars: readonly string[],
  offsets: readonly number[],
  i: number,
  fail: SyntaxFail,
): [string, number] {
  const open = offsets[i] ?? 0;
  let j = i + 1;
  let out = '[';
  if (chars[j] === '!' || chars[j] === '^') {
    out += '^';
    j += 1;
  }
  const first = j;
  for (; j < chars.length && chars[j] !== ']'; j += 1) {
    const c = chars[j] ?? '';
    const at = offsets[j] ?? open;
    if (c === '[') fail('nested "[" inside "[…]"', at);
    const hi = chars[j + 2];
    if (chars[j + 1] === '-' && hi !== undefined && hi !== ']') {
      if ((hi.codePointAt(0) ?? 0) < (c.codePointAt(0) ?? 0)) fail(`reversed range ${c}-${hi}`, at);
      out += `${classChar(c, at, fail)}-${classChar(hi, offsets[j + 2] ?? at, fail)}`;
      j += 2;
    } else {
      out += classChar(c, at, fail);
    }
  }
  if (j >= chars.length) fail('unterminated "["', open);
  if (j === first) fail('empty "[]"', open);
  return [`${out}]`, j + 1];
}

/** Translate the glob to a regex source, checking balance and characters. */
function globToRegex(source: string, offset: number, fail: SyntaxFail): string {
  const chars = Array.from(source);
  const offsets: number[] = [];
  let at = offset;
  for (const c of chars) {
    offsets.push(at);
    at += c.length;
  }
  const braces: number[] = [];
  let re = '';
  for (let i = 0; i < chars.length;) {
    const c = chars[i] ?? '';
    const pos = offsets[i] ?? offset;
    if (c === '[') {
      const [cls, next] = globClass(chars, offsets, i, fail);
      re += cls;
      i = next;
      continue;
    }
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === ']') fail('unbalanced "]"', pos);
    else if (c === '{') {
      braces.push(pos);
      re += '(?:';
    } else if (c === '}') {
      if (braces.pop() === undefined) fail('unbalanced "}"', pos);
      re += ')';
    } else if (c === ',' && braces.length > 0) re += '|';
    else re += literalChar(c, pos, fail);
    i += 1;
  }
  const open = braces.pop();
  if (open !== undefined) fail('unterminated "{"', open);
  return re;
}

/**
 * Compile a non-regex selector token: a literal, `*`, `**` or a glob with
 * `*`, `?`, `[abc]`, `[a-z]`, `[!abc]` and `{a,b}` (braces may nest).
 * `offset` is where the token starts in the selector text.
 */
export function compileGlobToken(source: string, offset: number, fail: SyntaxFail): TokenPattern {
  if (source.length === 0) fail('empty token', offset);
  if (source === '**') return GLOBSTAR;
  if (source === '*') return { kind: 'any', source, test: () => true };
  if (!GLOB_META.test(source)) {
    let at = offset;
    for (const c of source) {
      literalChar(c, at, fail);
      at += c.length;
    }
    if (!isValidToken(source)) fail('token too long', offset);
    return { kind: 'literal', source, test: (t) => t === source };
  }
  const re = new RegExp(`^${globToRegex(source, offset, fail)}$`, 'u');
  return { kind: 'glob', source, test: (t) => re.test(t) };
}
