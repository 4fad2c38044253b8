import type { Selector } from '../model/index.js';
import { parseSelector } from '../model/index.js';

/** End of the `/regex/flags` token starting at `start`; `/` inside `[…]` or after `\` does not close it. */
function regexEnd(text: string, start: number): number {
  let pos = start + 1;
  let inClass = false;
  for (; pos < text.length; pos++) {
    const c = text[pos];
    if (c === '\\') pos++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) break;
  }
  pos++;
  while (pos < text.length && /[a-z]/.test(text[pos] as string)) pos++;
  return pos;
}

/** End of the token starting at `start`: a regex token, or plain text up to the next `:`. */
function tokenEnd(text: string, start: number): number {
  if (text[start] === '/') return regexEnd(text, start);
  const colon = text.indexOf(':', start);
  return colon < 0 ? text.length : colon;
}

/**
 * Where the host token of canonical selector text lies, or undefined for a
 * selector without a path (labels only, or only regex options). Regex tokens
 * may contain `:` and `::`, so tokens are scanned rather than split.
 */
function hostSpan(text: string): { start: number; end: number } | undefined {
  if (text.length === 0 || text[0] === '{') return undefined;
  let pos = 0;
  while (pos < text.length) {
    const end = tokenEnd(text, pos);
    if (text[end] !== ':') return undefined;
    if (text[end + 1] === ':') return { start: end + 2, end: tokenEnd(text, end + 2) };
    pos = end + 1;
  }
  return undefined;
}

const cache = new WeakMap<Selector, Selector>();

/**
 * The same selector with its host token replaced by `*`. Summary sets carry
 * the delegate's name as host, so a question about hosts under an OU
 * (`Lab::*:cpu:user`, or `Lab::node-1:cpu:user`) is asked of every summary
 * set under that OU. The regex options are kept as compiled; note that
 * `hostMetricRegex` therefore sees the delegate's name in the host part.
 */
export function anyHostSelector(selector: Selector): Selector {
  const hit = cache.get(selector);
  if (hit !== undefined) return hit;
  const text = selector.toString();
  const span = hostSpan(text);
  const options = {
    ...(selector.ouRegex === undefined ? {} : { ouRegex: selector.ouRegex }),
    ...(selector.hostMetricRegex === undefined
      ? {}
      : { hostMetricRegex: selector.hostMetricRegex }),
  };
  const out =
    span === undefined
      ? selector
      : parseSelector(`${text.slice(0, span.start)}*${text.slice(span.end)}`, options);
  cache.set(selector, out);
  return out;
}
