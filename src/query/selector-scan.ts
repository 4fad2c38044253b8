import { regexCloseAt } from '../model/index.js';
/**
 * Where a selector operand ends inside a query. Selector text may hold
 * characters that mean something to the query grammar — `,` in a glob
 * `{a,b}`, parentheses and commas in `/(a|b)/`, spaces and commas in a label
 * block `{job = "x", env = "y"}`, parentheses in a token `disk(0)` — so the
 * scan follows the selector's own nesting: inside `/…/`, `"…"` and `[…]`
 * nothing ends the operand, and whitespace, `,` and `)` end it only outside
 * every `{…}` and `(…)` opened by the selector itself.
 */

const SPACE = /[ \t\r\n]/;

function skipQuoted(text: string, start: number): number {
  let pos = start + 1;
  while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
  return Math.min(pos + 1, text.length);
}

/** Skip `/regex/flags` from the opening slash, as the selector lexer reads it. */
function skipRegex(text: string, start: number): number {
  let pos = regexCloseAt(text, start) + 1;
  while (pos < text.length && /[a-z]/.test(text[pos] as string)) pos += 1;
  return Math.min(pos, text.length);
}

function skipClass(text: string, start: number): number {
  const close = text.indexOf(']', start + 1);
  return close < 0 ? text.length : close + 1;
}

/**
 * Return the index just after the selector operand that starts at `start`
 * (equal to `start` when nothing there can be part of a selector). A `/`
 * opens a regex only at the start of a token (after `:` or at the start);
 * elsewhere it ends the operand, so `x/1024` reads as a division.
 */
export function scanSelectorEnd(text: string, start: number): number {
  let parens = 0;
  let braces = 0;
  let pos = start;
  while (pos < text.length) {
    const c = text[pos] as string;
    if (c === '"') {
      pos = skipQuoted(text, pos);
      continue;
    }
    if (c === '/') {
      if (pos !== start && text[pos - 1] !== ':') break;
      pos = skipRegex(text, pos);
      continue;
    }
    if (c === '[') {
      pos = skipClass(text, pos);
      continue;
    }
    if (c === '(') parens += 1;
    else if (c === '{') braces += 1;
    else if (c === ')') {
      if (parens === 0) break;
      parens -= 1;
    } else if (c === '}') braces = Math.max(0, braces - 1);
    else if ((c === ',' || SPACE.test(c)) && parens === 0 && braces === 0) break;
    pos += 1;
  }
  return pos;
}
