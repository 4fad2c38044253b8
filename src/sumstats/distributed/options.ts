import { DISTRIBUTED_ERROR_CODES, SumStatsDistributedError } from './errors.js';

export function badOption(what: string): SumStatsDistributedError {
  return new SumStatsDistributedError(DISTRIBUTED_ERROR_CODES.badOption, what);
}

/** A positive integer option, or its default; throws `CANOPY_ERR_SUMSTATS_OPTION`. */
export function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 1) throw badOption(`${name}: must be a positive integer`);
  return v;
}
