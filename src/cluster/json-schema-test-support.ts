/**
 * A small JSON Schema (draft 2020-12) checker for the keywords
 * schema/cluster.schema.json uses — type, properties, required,
 * additionalProperties, items, enum, pattern, oneOf, $ref into $defs —
 * so tests can validate the example without a new dependency.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Keywords the checker applies. */
export const CHECKED_KEYWORDS = [
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'pattern',
  'oneOf',
  '$ref',
  '$defs',
] as const;
/** Keywords that only annotate. */
export const ANNOTATION_KEYWORDS = ['$schema', '$id', 'title', 'description'] as const;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, want: unknown): boolean {
  const types = Array.isArray(want) ? (want as string[]) : [want as string];
  const t = typeOf(v);
  return types.some((w) => w === t || (w === 'number' && t === 'integer'));
}

function resolve(root: JsonSchema, ref: string): JsonSchema {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  const defs = root['$defs'] as Record<string, JsonSchema> | undefined;
  const target = m ? defs?.[m[1]!] : undefined;
  if (target === undefined) throw new Error(`unresolvable $ref ${ref}`);
  return target;
}

function checkObject(root: JsonSchema, s: JsonSchema, v: object, at: string, out: string[]): void {
  const obj = v as Record<string, unknown>;
  const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
  for (const k of (s['required'] ?? []) as string[])
    if (!(k in obj)) out.push(`${at}: missing required '${k}'`);
  for (const [k, val] of Object.entries(obj)) {
    const sub = props[k];
    const extra = s['additionalProperties'];
    if (sub !== undefined) check(root, sub, val, `${at}.${k}`, out);
    else if (extra === false) out.push(`${at}: unknown key '${k}'`);
    else if (typeof extra === 'object' && extra !== null)
      check(root, extra as JsonSchema, val, `${at}.${k}`, out);
  }
}

/** Append to `out` every way `v` breaks schema `s` (`root` holds the $defs). */
export function check(
  root: JsonSchema,
  s: JsonSchema,
  v: unknown,
  at: string,
  out: string[],
): void {
  if (typeof s['$ref'] === 'string') check(root, resolve(root, s['$ref']), v, at, out);
  if (s['type'] !== undefined && !typeMatches(v, s['type'])) {
    out.push(`${at}: expected ${JSON.stringify(s['type'])}, got ${typeOf(v)}`);
    return;
  }
  if (Array.isArray(s['enum']) && !s['enum'].includes(v))
    out.push(`${at}: ${JSON.stringify(v)} not in ${JSON.stringify(s['enum'])}`);
  if (
    typeof s['pattern'] === 'string' &&
    typeof v === 'string' &&
    !new RegExp(s['pattern'], 'u').test(v)
  )
    out.push(`${at}: ${JSON.stringify(v)} does not match ${s['pattern']}`);
  if (Array.isArray(s['oneOf'])) {
    const passing = (s['oneOf'] as JsonSchema[]).filter((branch) => {
      const errs: string[] = [];
      check(root, branch, v, at, errs);
      return errs.length === 0;
    });
    if (passing.length !== 1) out.push(`${at}: matches ${passing.length} oneOf branches, not 1`);
  }
  if (typeOf(v) === 'object') checkObject(root, s, v as object, at, out);
  if (Array.isArray(v) && s['items'] !== undefined)
    v.forEach((item, i) => check(root, s['items'] as JsonSchema, item, `${at}[${i}]`, out));
}

/** Every problem of `value` against the whole schema (empty = valid). */
export function validate(schema: JsonSchema, value: unknown): string[] {
  const out: string[] = [];
  check(schema, schema, value, '$', out);
  return out;
}
