import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { validateSetInstance } from '../model/index.js';
import type { SetInstance } from '../model/index.js';
import { ARCHIVE_ERROR_CODES, fileError } from './errors.js';

/**
 * The payload of a segment's schemas record: the set instances (OUs, host,
 * groups, schema with units and descriptions) declared under segment-local
 * ids, as deflated JSON. Sets of one kind repeat the same metric names, so a
 * batch of a thousand compresses to a few hundred bytes per distinct schema.
 */
export interface DeclaredSet {
  readonly id: number;
  readonly set: SetInstance;
}

/** A plain copy of the fields the archive keeps (no extra properties a producer may carry). */
function plain(set: SetInstance): SetInstance {
  return {
    ous: [...set.ous],
    host: set.host,
    groups: [...set.groups],
    ...(set.kind === undefined ? {} : { kind: set.kind }),
    schema: {
      name: set.schema.name,
      metrics: set.schema.metrics.map((m) => ({
        name: m.name,
        type: m.type,
        unit: m.unit,
        semantics: m.semantics,
        description: m.description,
      })),
    },
  };
}

export function encodeSchemas(sets: readonly DeclaredSet[]): Uint8Array {
  const json = JSON.stringify(sets.map((d) => ({ id: d.id, set: plain(d.set) })));
  return deflateRawSync(Buffer.from(json, 'utf8'));
}

/** Decode a schemas record payload found at `offset` of `file`; each set is validated. */
export function decodeSchemas(payload: Uint8Array, file: string, offset: number): DeclaredSet[] {
  try {
    const list = JSON.parse(inflateRawSync(payload).toString('utf8')) as unknown;
    if (!Array.isArray(list)) throw new Error('not a list');
    return list.map((item: unknown) => {
      const d = item as { id?: unknown; set?: unknown };
      if (!Number.isSafeInteger(d.id) || (d.id as number) < 0)
        throw new Error(`bad id ${String(d.id)}`);
      return { id: d.id as number, set: validateSetInstance(d.set as SetInstance) };
    });
  } catch (err) {
    throw fileError(
      ARCHIVE_ERROR_CODES.corruptRecord,
      file,
      offset,
      `schemas record: ${String(err)}`,
      err,
    );
  }
}
