/**
 * Index of the `/` that closes a `/regex/` token opened at `start`, or the
 * text's length when it is not closed. A `/` inside `[…]` or after `\` does
 * not close it. Shared by the selector lexer and the query parser, which
 * must agree on where a selector's regex ends.
 */
export function regexCloseAt(text: string, start: number): number {
  let pos = start + 1;
  let inClass = false;
  for (; pos < text.length; pos += 1) {
    const c = text[pos];
    if (c === '\\') pos += 1;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return pos;
  }
  return text.length;
}
