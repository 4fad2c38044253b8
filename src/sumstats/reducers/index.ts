export { REDUCER_KINDS } from './spec.js';
export type {
  ReducerKind,
  ReducerSpec,
  Observation,
  ReducerResult,
  Reducer,
  KeptValue,
} from './spec.js';
export { createReducer, decodeReducer } from './create-reducer.js';
export type { ReducerOptions } from './create-reducer.js';
export { validateReducerSpec, REDUCER_LIMITS, REDUCER_DEFAULTS } from './validate-spec.js';
export { SumStatsError, SUMSTATS_ERROR_CODES } from './errors.js';
export type { SumStatsErrorCode } from './errors.js';
export type { TopkEntry } from './space-saving.js';
