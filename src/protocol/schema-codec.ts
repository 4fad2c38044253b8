import { METRIC_TYPES, SEMANTICS, SET_KINDS, validateSetInstance } from '../model/index.js';
import type { MetricDef, SetInstance } from '../model/index.js';
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { ProtocolError } from './errors.js';
import type { ProtocolLimits } from './limits.js';

/** Largest set id: set ids are u32 (sent as varints). */
export const MAX_SET_ID = 0xffffffff;

/** True when `setId` is a valid u32 set id. */
export function isSetId(setId: number): boolean {
  return Number.isInteger(setId) && setId >= 0 && setId <= MAX_SET_ID;
}

/**
 * Write a set instance: OU list, host, group list, schema name, metrics
 * (name, type code, semantics code, unit, description).
 */
export function writeSetInstance(w: ByteWriter, set: SetInstance, limits: ProtocolLimits): void {
  const max = limits.maxStringBytes;
  if (set.schema.metrics.length > limits.maxMetricsPerSet) {
    throw new ProtocolError(
      'CANOPY_ERR_TOO_MANY_METRICS',
      `schema ${set.schema.name}: ${set.schema.metrics.length} metrics exceeds maxMetricsPerSet ${limits.maxMetricsPerSet}`,
    );
  }
  // Set kind: 0 = a host's samples, 1 + index in SET_KINDS otherwise.
  w.u8(set.kind === undefined ? 0 : 1 + SET_KINDS.indexOf(set.kind));
  w.varint(set.ous.length);
  for (const ou of set.ous) w.string(ou, max, 'OU');
  w.string(set.host, max, 'host');
  w.varint(set.groups.length);
  for (const g of set.groups) w.string(g, max, 'group');
  w.string(set.schema.name, max, 'schema name');
  w.varint(set.schema.metrics.length);
  for (const m of set.schema.metrics) {
    w.string(m.name, max, 'metric name');
    w.u8(METRIC_TYPES.indexOf(m.type));
    w.u8(SEMANTICS.indexOf(m.semantics));
    w.string(m.unit, max, 'unit');
    w.string(m.description, max, 'description');
  }
}

function readStrings(r: ByteReader, what: string, limits: ProtocolLimits): string[] {
  const n = r.count(`${what} count`, r.remaining(), 'CANOPY_ERR_MALFORMED_FRAME');
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string(limits.maxStringBytes, `${what}[${i}]`));
  return out;
}

function readMetric(r: ByteReader, i: number, limits: ProtocolLimits): MetricDef {
  const max = limits.maxStringBytes;
  const name = r.string(max, `metrics[${i}].name`);
  const typeAt = r.pos;
  const type = METRIC_TYPES[r.u8('metric type')];
  const semantics = SEMANTICS[r.u8('metric semantics')];
  if (type === undefined || semantics === undefined) {
    throw r.error(
      'CANOPY_ERR_INVALID_SCHEMA_MSG',
      `metrics[${i}] has an unknown type or semantics code`,
      typeAt,
    );
  }
  const unit = r.string(max, `metrics[${i}].unit`);
  const description = r.string(max, `metrics[${i}].description`);
  return { name, type, unit, semantics, description };
}

/** Read and validate a set instance; an invalid one is CANOPY_ERR_INVALID_SCHEMA_MSG. */
export function readSetInstance(r: ByteReader, limits: ProtocolLimits): SetInstance {
  const start = r.pos;
  const kindCode = r.u8('set kind');
  const kind = kindCode === 0 ? undefined : SET_KINDS[kindCode - 1];
  if (kindCode !== 0 && kind === undefined) {
    throw r.error('CANOPY_ERR_INVALID_SCHEMA_MSG', `unknown set kind code ${kindCode}`, start);
  }
  const ous = readStrings(r, 'ous', limits);
  const host = r.string(limits.maxStringBytes, 'host');
  const groups = readStrings(r, 'groups', limits);
  const name = r.string(limits.maxStringBytes, 'schema name');
  // The count is checked against the bytes left before any metric is read.
  const n = r.count('metric count', limits.maxMetricsPerSet, 'CANOPY_ERR_TOO_MANY_METRICS');
  const metrics: MetricDef[] = [];
  for (let i = 0; i < n; i++) metrics.push(readMetric(r, i, limits));
  const set: SetInstance = {
    ous,
    host,
    groups,
    schema: { name, metrics },
    ...(kind ? { kind } : {}),
  };
  try {
    return validateSetInstance(set);
  } catch (err) {
    throw r.error(
      'CANOPY_ERR_INVALID_SCHEMA_MSG',
      `invalid set: ${err instanceof Error ? err.message : String(err)}`,
      start,
    );
  }
}
