import { createHash } from 'node:crypto';
import { ModelError } from './errors.js';

/** Wire and storage type of a metric value. */
export const METRIC_TYPES = ['f64', 'i64', 'u64', 'string'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/**
 * How a value behaves over time: a `counter` only grows (until a reset) and
 * is usually read as a rate; an `instant` is a gauge sampled at a moment; a
 * `discrete` value changes rarely (a kernel version, a core count).
 */
export const SEMANTICS = ['counter', 'instant', 'discrete'] as const;
export type Semantics = (typeof SEMANTICS)[number];

/** One metric of a set. `name` is relative to the set: `user`, or `cpu0:user` for a sub-group. */
export interface MetricDef {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: string;
  readonly semantics: Semantics;
  readonly description: string;
}

/**
 * A metric set schema: metrics sampled together, atomically, with one
 * timestamp (LDMS "schema", Ganglia metric group). `name` is the top-level
 * group token in the namespace, e.g. `cpu` in `Lab::node-1:cpu:user`.
 */
export interface SetSchema {
  readonly name: string;
  readonly metrics: readonly MetricDef[];
}

/**
 * One sample of a set: a timestamp and one slot per metric. Numeric metrics
 * are held in `values` (i64/u64 exact up to 2^53); string metrics hold NaN in
 * `values` and their text in `strings` at the same index. `strings` is null
 * when the schema has no string metric.
 */
export interface SetSample {
  readonly timestampMs: number;
  readonly values: Float64Array;
  readonly strings: readonly (string | undefined)[] | null;
}

/** Limits shared by the model, the protocol and the daemons. */
export const MODEL_LIMITS = {
  maxTokenBytes: 255,
  maxMetricsPerSet: 65535,
  maxStringValueBytes: 4096,
} as const;

const TOKEN_RE = /^[^\s:/\\*?[\]{}"'`]+$/u;

/** True when `token` may be used as one namespace token (OU, host, group or metric). */
export function isValidToken(token: string): boolean {
  return (
    token.length > 0 &&
    Buffer.byteLength(token) <= MODEL_LIMITS.maxTokenBytes &&
    TOKEN_RE.test(token) &&
    // Control characters are never part of a name.
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f]/u.test(token)
  );
}

/** Validate a schema, throwing a ModelError that names the offending metric. */
export function validateSchema(schema: SetSchema): SetSchema {
  if (!isValidToken(schema.name)) {
    throw new ModelError(
      'CANOPY_ERR_INVALID_SCHEMA',
      `schema name ${JSON.stringify(schema.name)} is not a valid token`,
    );
  }
  if (schema.metrics.length === 0 || schema.metrics.length > MODEL_LIMITS.maxMetricsPerSet) {
    throw new ModelError(
      'CANOPY_ERR_INVALID_SCHEMA',
      `schema ${schema.name}: must have 1..${MODEL_LIMITS.maxMetricsPerSet} metrics, has ${schema.metrics.length}`,
    );
  }
  const seen = new Set<string>();
  schema.metrics.forEach((m, i) => {
    const where = `schema ${schema.name}: metrics[${i}]`;
    const parts = m.name.split(':');
    if (!parts.every(isValidToken)) {
      throw new ModelError(
        'CANOPY_ERR_INVALID_SCHEMA',
        `${where}: name ${JSON.stringify(m.name)} is not valid`,
      );
    }
    if (seen.has(m.name)) {
      throw new ModelError(
        'CANOPY_ERR_INVALID_SCHEMA',
        `${where}: duplicate metric name ${m.name}`,
      );
    }
    seen.add(m.name);
    if (!(METRIC_TYPES as readonly string[]).includes(m.type)) {
      throw new ModelError(
        'CANOPY_ERR_INVALID_SCHEMA',
        `${where}: unknown type ${JSON.stringify(m.type)}`,
      );
    }
    if (!(SEMANTICS as readonly string[]).includes(m.semantics)) {
      throw new ModelError(
        'CANOPY_ERR_INVALID_SCHEMA',
        `${where}: unknown semantics ${JSON.stringify(m.semantics)}`,
      );
    }
    if (m.type === 'string' && m.semantics === 'counter') {
      throw new ModelError(
        'CANOPY_ERR_INVALID_SCHEMA',
        `${where}: a string metric cannot be a counter`,
      );
    }
  });
  return schema;
}

/** True when the schema has at least one string metric. */
export function hasStrings(schema: SetSchema): boolean {
  return schema.metrics.some((m) => m.type === 'string');
}

/**
 * A stable digest of a schema (names, types, units, semantics, in order).
 * Two sets with the same digest share a layout, so a receiver can reuse a
 * decoded schema and the archive can tell when a set's layout changed.
 */
export function schemaDigest(schema: SetSchema): string {
  const h = createHash('sha256');
  h.update(schema.name);
  for (const m of schema.metrics) h.update(`\0${m.name}\0${m.type}\0${m.unit}\0${m.semantics}`);
  return h.digest('hex').slice(0, 16);
}

/** Shorthand for plugins: build a MetricDef with an empty description when none is given. */
export function metric(
  name: string,
  type: MetricType,
  semantics: Semantics,
  unit = '',
  description = '',
): MetricDef {
  return { name, type, unit, semantics, description };
}
