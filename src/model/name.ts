import { MODEL_ERROR_CODES, ModelError, syntaxError } from './errors.js';
import { formatLabelTerms, isValidLabelName, parseLabelBlock } from './label-syntax.js';
import type { SyntaxFail } from './label-syntax.js';
import { MODEL_LIMITS, isValidToken } from './schema.js';

/**
 * A parsed metric name `OU:OU:…::host:group:…:metric{label="value",…}`.
 * `ous` has at least one token, `groups` may be empty, and `labels` is
 * present only when the name carries at least one label.
 */
export interface MetricName {
  readonly ous: readonly string[];
  readonly host: string;
  readonly groups: readonly string[];
  readonly metric: string;
  readonly labels?: Readonly<Record<string, string>>;
}

const CODE = MODEL_ERROR_CODES.invalidName;

/**
 * Explain why `token` is not valid: the first character that may not appear
 * in a token, or its length. Shared with the selector and host-list parsers.
 */
export function tokenProblem(token: string): { problem: string; index: number } | undefined {
  if (isValidToken(token)) return undefined;
  if (token.length === 0) return { problem: 'empty token', index: 0 };
  let index = 0;
  for (const ch of token) {
    if (!isValidToken(ch)) return { problem: `invalid character ${JSON.stringify(ch)}`, index };
    index += ch.length;
  }
  return { problem: `token longer than ${MODEL_LIMITS.maxTokenBytes} bytes`, index: 0 };
}

interface Piece {
  readonly text: string;
  readonly offset: number;
}

function split(text: string, base: number): Piece[] {
  const out: Piece[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(':', from);
    const end = at < 0 ? text.length : at;
    out.push({ text: text.slice(from, end), offset: base + from });
    if (at < 0) return out;
    from = at + 1;
  }
}

function checkPieces(pieces: readonly Piece[], roles: readonly string[], fail: SyntaxFail): void {
  pieces.forEach((p, i) => {
    const role = roles[Math.min(i, roles.length - 1)] ?? 'token';
    const bad = tokenProblem(p.text);
    if (bad === undefined) return;
    if (p.text.length === 0) fail(`empty ${role} token`, p.offset);
    fail(`${bad.problem} in ${role} token ${JSON.stringify(p.text)}`, p.offset + bad.index);
  });
}

function parseLabels(text: string, start: number, fail: SyntaxFail): Record<string, string> {
  const { terms, end } = parseLabelBlock(text, start, fail);
  if (end !== text.length) fail('unexpected text after the label block', end);
  const seen = new Set<string>();
  for (const t of terms) {
    if (t.op !== '=') fail(`label "${t.name}" uses "${t.op}"; a name takes only "="`, t.offset);
    if (seen.has(t.name)) fail(`duplicate label "${t.name}"`, t.offset);
    seen.add(t.name);
  }
  // fromEntries defines own properties, so a label named `__proto__` stays a
  // label instead of replacing the object's prototype.
  return Object.fromEntries(terms.map((t) => [t.name, t.value]));
}

function splitPath(path: string, fail: SyntaxFail): { ous: Piece[]; rest: Piece[] } {
  const sep = path.indexOf('::');
  if (sep < 0) fail('missing "::" between the OUs and the host', path.length);
  const restAt = sep + 2;
  const second = path.indexOf('::', restAt);
  if (second >= 0) fail('a second "::" (only one separates the OUs from the host)', second);
  if (sep === 0) fail('missing OU before "::"', 0);
  if (restAt === path.length) fail('missing host after "::"', restAt);
  const rest = split(path.slice(restAt), restAt);
  if (rest.length < 2) {
    fail(`missing metric after host ${JSON.stringify(path.slice(restAt))}`, path.length);
  }
  return { ous: split(path.slice(0, sep), 0), rest };
}

/**
 * Parse `OU:…::host:group:…:metric` with optional `{label="value",…}`.
 * Throws a ModelError `CANOPY_ERR_INVALID_NAME` naming the problem and its
 * character offset.
 */
export function parseName(text: string): MetricName {
  const fail: SyntaxFail = (problem, offset) => {
    throw syntaxError(CODE, 'name', text, problem, offset);
  };
  if (text.length === 0) fail('empty name', 0);
  // `{` cannot occur in a token, so the first one always opens the labels.
  const brace = text.indexOf('{');
  const path = brace < 0 ? text : text.slice(0, brace);
  const { ous, rest } = splitPath(path, fail);
  checkPieces(ous, ['OU'], fail);
  const roles = rest.map((_, i) => (i === 0 ? 'host' : i === rest.length - 1 ? 'metric' : 'group'));
  checkPieces(rest, roles, fail);
  const name = {
    ous: ous.map((p) => p.text),
    host: rest[0]?.text ?? '',
    groups: rest.slice(1, -1).map((p) => p.text),
    metric: rest[rest.length - 1]?.text ?? '',
  };
  if (brace < 0) return name;
  const labels = parseLabels(text, brace, fail);
  return Object.keys(labels).length === 0 ? name : { ...name, labels };
}

function invalid(problem: string): ModelError {
  return new ModelError(CODE, `cannot format name: ${problem}`);
}

/**
 * Format a name in its canonical text form; `parseName(formatName(n))`
 * equals `n`. Labels keep their insertion order. Throws
 * `CANOPY_ERR_INVALID_NAME` when a token or label could not be parsed back.
 */
export function formatName(name: MetricName): string {
  if (name.ous.length === 0) throw invalid('at least one OU is required');
  const tokens = [...name.ous, name.host, ...name.groups, name.metric];
  for (const t of tokens) {
    if (!isValidToken(t)) throw invalid(`token ${JSON.stringify(t)} is not valid`);
  }
  const path = `${name.ous.join(':')}::${[name.host, ...name.groups, name.metric].join(':')}`;
  const labels = name.labels === undefined ? [] : Object.entries(name.labels);
  if (labels.length === 0) return path;
  for (const [k] of labels) {
    if (!isValidLabelName(k)) throw invalid(`label name ${JSON.stringify(k)} is not valid`);
  }
  return path + formatLabelTerms(labels.map(([k, v]) => ({ name: k, op: '=', value: v })));
}
