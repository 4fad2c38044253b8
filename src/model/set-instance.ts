import { ModelError } from './errors.js';
import { isValidToken, validateSchema } from './schema.js';
import type { SetSchema } from './schema.js';

/**
 * A concrete metric set: a schema sampled on one host, placed in the OU tree.
 * `groups` is the group path of the set in the namespace; its first token is
 * normally the schema name and further tokens subdivide it (a per-process set
 * is `['procstat', 'sshd-1234']`). A metric's full name is
 * `ous::host:groups…:metric`.
 */
export interface SetInstance {
  readonly ous: readonly string[];
  readonly host: string;
  readonly groups: readonly string[];
  readonly schema: SetSchema;
  /**
   * Absent for a host's own samples. `summary` marks a per-OU summary made by
   * an aggregator: `host` is then the aggregator that holds the detail (the
   * delegate) and each metric `m` appears as `m:count`, `m:sum`, `m:min`, `m:max`.
   */
  readonly kind?: SetKind;
}

/** Kinds of set beyond plain host samples. */
export const SET_KINDS = ['summary'] as const;
export type SetKind = (typeof SET_KINDS)[number];

/** Identity of a set instance: OUs, host and group path (not the schema). */
export function setInstanceKey(set: Pick<SetInstance, 'ous' | 'host' | 'groups' | 'kind'>): string {
  const key = `${set.ous.join(':')}::${set.host}:${set.groups.join(':')}`;
  return set.kind === undefined ? key : `${key} (${set.kind})`;
}

/** Validate every token of a set instance and its schema. */
export function validateSetInstance(set: SetInstance): SetInstance {
  const where = setInstanceKey(set);
  if (set.ous.length === 0)
    throw new ModelError('CANOPY_ERR_INVALID_NAME', `${where}: at least one OU is required`);
  if (set.groups.length === 0)
    throw new ModelError('CANOPY_ERR_INVALID_NAME', `${where}: at least one group is required`);
  for (const token of [...set.ous, set.host, ...set.groups]) {
    if (!isValidToken(token)) {
      throw new ModelError(
        'CANOPY_ERR_INVALID_NAME',
        `${where}: token ${JSON.stringify(token)} is not valid`,
      );
    }
  }
  validateSchema(set.schema);
  return set;
}

/** Full namespace name of metric `index` of a set instance. */
export function metricFullName(set: SetInstance, index: number): string {
  const m = set.schema.metrics[index];
  if (!m)
    throw new ModelError(
      'CANOPY_ERR_INVALID_NAME',
      `${setInstanceKey(set)}: no metric at index ${index}`,
    );
  return `${setInstanceKey(set)}:${m.name}`;
}
