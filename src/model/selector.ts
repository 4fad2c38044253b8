import { MODEL_ERROR_CODES, ModelError, syntaxError } from './errors.js';
import { formatLabelTerms } from './label-syntax.js';
import type { LabelOp, LabelTerm, SyntaxFail } from './label-syntax.js';
import type { MetricName } from './name.js';
import { lexSelector } from './selector-lexer.js';
import type { LexedToken } from './selector-lexer.js';
import { couldMatchAfterPrefix, matchFixed, matchSequence } from './token-match.js';
import { GLOBSTAR, anchoredRegex, compileGlobToken, compileRegexToken } from './token-pattern.js';
import type { TokenPattern } from './token-pattern.js';

const CODE = MODEL_ERROR_CODES.invalidSelector;

/**
 * Regexes over whole parts of a name, given beside (or instead of) the token
 * selector; both must match when present. A string is anchored to the whole
 * part (like `=~` in PromQL and `/…/` tokens); a RegExp object is used as
 * written (unanchored unless it has `^`/`$`), minus any `g`/`y` flag.
 */
export interface SelectorOptions {
  /** Over the OUs joined with `:`, e.g. `World:US:Berkeley`. */
  readonly ouRegex?: RegExp | string;
  /** Over `host:group…:metric` joined with `:`, e.g. `mm56:cpu:user`. */
  readonly hostMetricRegex?: RegExp | string;
}

/** A label matcher of a selector: `name op "value"`. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: LabelOp;
  readonly value: string;
}

/**
 * A compiled selector over metric names.
 *
 * Semantics: the OU tokens match a *prefix* of a name's OUs, so selecting an
 * OU selects its whole subtree (`World:US::*:cpu:user` matches
 * `World:US:Berkeley::h1:cpu:user`). After `::`, the tokens must match the
 * host, every group and the metric one for one, except that `**` (allowed
 * among OUs and groups) matches zero or more tokens. Label matchers follow
 * PromQL: a missing label reads as the empty string.
 */
export interface Selector {
  /** The regex options, compiled, when given. */
  readonly ouRegex: RegExp | undefined;
  readonly hostMetricRegex: RegExp | undefined;
  readonly labelMatchers: readonly LabelMatcher[];
  /** True when `name` is selected. */
  matches(name: MetricName): boolean;
  /**
   * True when some metric of a set at `ous::host:groups…` could be selected;
   * false means the whole set can be skipped. Conservative: parts it cannot
   * judge from the prefix (hostMetricRegex, labels) count as matching.
   */
  matchesSetPrefix(ous: readonly string[], host: string, groups: readonly string[]): boolean;
  /**
   * True when some name in the subtree of OU path `ous` (that OU or any OU
   * below it) could be selected. Conservative like matchesSetPrefix; used to
   * decide which delegates a query must be forwarded to.
   */
  matchesOuSubtree(ous: readonly string[]): boolean;
  /** Canonical text of the token selector and label matchers (not the regex options). */
  toString(): string;
}

interface LabelTest {
  readonly matcher: LabelMatcher;
  readonly test: (value: string) => boolean;
}

function compileToken(tok: LexedToken, fail: SyntaxFail): TokenPattern {
  return tok.regex
    ? compileRegexToken(tok.source, tok.regex.body, tok.regex.flags, tok.offset, fail)
    : compileGlobToken(tok.source, tok.offset, fail);
}

function compileLabel(term: LabelTerm, fail: SyntaxFail): LabelTest {
  const matcher = { name: term.name, op: term.op, value: term.value };
  if (term.op === '=') return { matcher, test: (v) => v === term.value };
  if (term.op === '!=') return { matcher, test: (v) => v !== term.value };
  let re: RegExp;
  try {
    re = anchoredRegex(term.value, '');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return fail(`invalid regex for label "${term.name}" (${why})`, term.offset);
  }
  return term.op === '=~'
    ? { matcher, test: (v) => re.test(v) }
    : { matcher, test: (v) => !re.test(v) };
}

function compileOption(option: RegExp | string | undefined, label: string): RegExp | undefined {
  if (option === undefined) return undefined;
  if (option instanceof RegExp) return new RegExp(option.source, option.flags.replace(/[gy]/g, ''));
  if (typeof option !== 'string') {
    throw new ModelError(CODE, `invalid selector option ${label}: expected a RegExp or a string`);
  }
  try {
    return anchoredRegex(option, '');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ModelError(
      CODE,
      `invalid selector option ${label} ${JSON.stringify(option)}: ${why}`,
      {
        cause: err,
      },
    );
  }
}

function rejectGlobstar(
  pat: TokenPattern,
  tok: LexedToken | undefined,
  role: string,
  fail: SyntaxFail,
): void {
  if (pat.kind === 'globstar')
    fail(`"**" cannot stand for the ${role} (only OUs and groups)`, tok?.offset ?? 0);
}

class CompiledSelector implements Selector {
  readonly ouRegex: RegExp | undefined;
  readonly hostMetricRegex: RegExp | undefined;
  readonly labelMatchers: readonly LabelMatcher[];
  readonly #text: string;
  /** False for a selector without a path (only labels and/or regex options). */
  readonly #hasPath: boolean;
  /** OU patterns; with a trailing `**` unless `#ouPrefixOnly` (prefix semantics). */
  readonly #ous: readonly TokenPattern[];
  readonly #ouPrefixOnly: boolean;
  readonly #host: TokenPattern;
  readonly #groups: readonly TokenPattern[];
  readonly #groupsFixed: boolean;
  readonly #metric: TokenPattern;
  /** Groups then metric, for set-prefix checks. */
  readonly #afterHost: readonly TokenPattern[];
  readonly #labels: readonly LabelTest[];

  constructor(text: string, options: SelectorOptions, fail: SyntaxFail) {
    const lexed = lexSelector(text, fail);
    this.ouRegex = compileOption(options.ouRegex, 'ouRegex');
    this.hostMetricRegex = compileOption(options.hostMetricRegex, 'hostMetricRegex');
    this.#labels = lexed.labels.map((t) => compileLabel(t, fail));
    this.labelMatchers = this.#labels.map((l) => l.matcher);
    this.#hasPath = lexed.rest.length > 0;
    const noOptions = this.ouRegex === undefined && this.hostMetricRegex === undefined;
    if (!this.#hasPath && this.#labels.length === 0 && noOptions) fail('empty selector', 0);
    const ous = lexed.ous.map((t) => compileToken(t, fail));
    const rest = lexed.rest.map((t) => compileToken(t, fail));
    this.#ouPrefixOnly = !ous.some((p) => p.kind === 'globstar');
    this.#ous = this.#ouPrefixOnly ? ous : [...ous, GLOBSTAR];
    this.#host = rest[0] ?? GLOBSTAR;
    this.#metric = rest[rest.length - 1] ?? GLOBSTAR;
    if (this.#hasPath) {
      rejectGlobstar(this.#host, lexed.rest[0], 'host', fail);
      rejectGlobstar(this.#metric, lexed.rest[rest.length - 1], 'metric', fail);
    }
    this.#groups = rest.slice(1, -1);
    this.#groupsFixed = !this.#groups.some((p) => p.kind === 'globstar');
    this.#afterHost = rest.slice(1);
    const path = this.#hasPath
      ? `${lexed.ous.map((t) => t.source).join(':')}::${lexed.rest.map((t) => t.source).join(':')}`
      : '';
    this.#text = this.#labels.length > 0 ? path + formatLabelTerms(this.labelMatchers) : path;
  }

  #matchOus(ous: readonly string[]): boolean {
    if (!this.#ouPrefixOnly) return matchSequence(this.#ous, ous);
    const pats = this.#ous;
    if (ous.length < pats.length) return false;
    for (let i = 0; i < pats.length; i += 1) {
      if (!(pats[i] as TokenPattern).test(ous[i] as string)) return false;
    }
    return true;
  }

  #matchPath(name: MetricName): boolean {
    if (!this.#host.test(name.host) || !this.#metric.test(name.metric)) return false;
    if (!this.#matchOus(name.ous)) return false;
    return this.#groupsFixed
      ? matchFixed(this.#groups, name.groups)
      : matchSequence(this.#groups, name.groups);
  }

  #matchLabels(labels: Readonly<Record<string, string>> | undefined): boolean {
    for (const l of this.#labels) {
      const key = l.matcher.name;
      const value = labels !== undefined && Object.hasOwn(labels, key) ? (labels[key] ?? '') : '';
      if (!l.test(value)) return false;
    }
    return true;
  }

  matches(name: MetricName): boolean {
    if (this.#hasPath && !this.#matchPath(name)) return false;
    if (this.ouRegex !== undefined && !this.ouRegex.test(name.ous.join(':'))) return false;
    if (this.hostMetricRegex !== undefined) {
      const hm = [name.host, ...name.groups, name.metric].join(':');
      if (!this.hostMetricRegex.test(hm)) return false;
    }
    return this.#labels.length === 0 || this.#matchLabels(name.labels);
  }

  matchesSetPrefix(ous: readonly string[], host: string, groups: readonly string[]): boolean {
    if (this.ouRegex !== undefined && !this.ouRegex.test(ous.join(':'))) return false;
    if (!this.#hasPath) return true;
    if (!this.#host.test(host) || !this.#matchOus(ous)) return false;
    if (!this.#groupsFixed) return couldMatchAfterPrefix(this.#afterHost, groups);
    // Without `**`, the set's groups must match the first group patterns and
    // leave at least the metric pattern for the metric's own (sub)name.
    if (groups.length >= this.#afterHost.length) return false;
    for (let i = 0; i < groups.length; i += 1) {
      if (!(this.#afterHost[i] as TokenPattern).test(groups[i] as string)) return false;
    }
    return true;
  }

  matchesOuSubtree(ous: readonly string[]): boolean {
    if (!this.#hasPath || !this.#ouPrefixOnly) return true;
    const n = Math.min(this.#ous.length, ous.length);
    for (let i = 0; i < n; i += 1) {
      if (!(this.#ous[i] as TokenPattern).test(ous[i] as string)) return false;
    }
    return true;
  }

  toString(): string {
    return this.#text;
  }
}

/**
 * Parse and compile a selector. Syntax: the name syntax where each token may
 * be a literal, a glob (`*`, `?`, `[abc]`, `[!a-z]`, `{a,b}`), a `/regex/`
 * (JS syntax, anchored to the whole token, may contain `:`; flag `i` allowed)
 * or `**`, optionally followed by label matchers `{k="v",k=~"re",k!="v",k!~"re"}`.
 * The text may be empty, or only a label block, when it should match every
 * path. Throws `CANOPY_ERR_INVALID_SELECTOR` naming the problem and offset.
 */
export function parseSelector(text: string, options: SelectorOptions = {}): Selector {
  const fail: SyntaxFail = (problem, offset) => {
    throw syntaxError(CODE, 'selector', text, problem, offset);
  };
  return new CompiledSelector(text, options, fail);
}

const CACHE_MAX = 512;
const cache = new Map<string, Selector>();

function optionKey(option: RegExp | string | undefined): string {
  if (option === undefined) return '';
  return option instanceof RegExp ? `r/${option.source}/${option.flags}` : `s${option}`;
}

/**
 * `parseSelector` with a bounded least-recently-used cache, for callers that
 * see the same selector text again and again (queries, subscriptions).
 * Selectors are immutable, so sharing one instance is safe.
 */
export function compileSelector(text: string, options: SelectorOptions = {}): Selector {
  const key = `${text}\0${optionKey(options.ouRegex)}\0${optionKey(options.hostMetricRegex)}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const sel = parseSelector(text, options);
  cache.set(key, sel);
  if (cache.size > CACHE_MAX) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return sel;
}
