import { isAlias, isPair, isSeq, parseDocument, visit, LineCounter } from 'yaml';
import type { Node } from 'yaml';
import { formatPath } from '../common/index.js';
import type { ConfigPath, ConfigProblem } from '../common/index.js';

/** The text with its bad aliases blanked out, and one problem per bad alias. */
export interface AliasCheck {
  readonly text: string;
  readonly problems: ConfigProblem[];
  /** Config paths of the blanked aliases (now `~`), so checks there can be skipped. */
  readonly paths: string[];
}

/** The config path of a node from the ancestors `visit` hands over. */
function pathOf(ancestors: readonly unknown[], node: unknown): ConfigPath {
  const out: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i += 1) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isSeq(parent)) out.push(parent.items.indexOf(child as never));
    else if (isPair(parent) && parent.value === child) {
      const key = (parent.key as { value?: unknown } | null)?.value;
      out.push(typeof key === 'number' ? String(key) : String(key));
    }
  }
  return out;
}

/**
 * Find aliases whose anchor is not defined before them (`*nope`) or that
 * point at a node containing them. The yaml library only throws an unlocated
 * ReferenceError for these when converting to JavaScript, so they are found
 * here, reported with file, line and column, and replaced by a same-length
 * `~` (null): every other position in the file stays put and the rest of the
 * file can still be checked, so the operator sees every problem at once.
 */
export function checkAliases(text: string, file: string): AliasCheck {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  // Syntax errors are YamlSource's to report; nothing to blank in a broken document.
  if (doc.errors.length > 0) return { text, problems: [], paths: [] };
  const anchors = new Map<string, Node>();
  const problems: ConfigProblem[] = [];
  const paths: string[] = [];
  let out = text;
  visit(doc, {
    Node(_key, node, ancestors) {
      if (!isAlias(node)) {
        if (node.anchor !== undefined) anchors.set(node.anchor, node);
        return;
      }
      const target = anchors.get(node.source);
      const cyclic = target !== undefined && ancestors.includes(target as never);
      if (target !== undefined && !cyclic) return;
      const [start, end] = node.range ?? [0, 0];
      const pos = lines.linePos(start);
      const path = formatPath(pathOf(ancestors, node));
      const message = cyclic
        ? `alias '*${node.source}' refers to a node that contains it`
        : `unknown alias '*${node.source}' (no anchor '&${node.source}' before it)`;
      problems.push({ file, line: pos.line, column: pos.col, path, message });
      paths.push(path);
      out = `${out.slice(0, start)}~${' '.repeat(Math.max(0, end - start - 1))}${out.slice(end)}`;
    },
  });
  return { text: out, problems, paths };
}
