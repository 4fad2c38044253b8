// Reducers (src/sumstats/reducers): mergeable summaries with binary forms.
export {
  REDUCER_KINDS,
  REDUCER_LIMITS,
  REDUCER_DEFAULTS,
  createReducer,
  decodeReducer,
  validateReducerSpec,
  SumStatsError,
  SUMSTATS_ERROR_CODES,
} from './reducers/index.js';
export type {
  ReducerKind,
  ReducerSpec,
  Observation,
  ReducerResult,
  Reducer,
  KeptValue,
  ReducerOptions,
  SumStatsErrorCode,
  TopkEntry,
} from './reducers/index.js';

// Definitions.
export { validateSumStatDef, SUMSTAT_LIMITS } from './definition.js';
export type {
  SumStatDef,
  ReducerDef,
  ThresholdDef,
  WherePredicate,
  KeyMode,
} from './definition.js';
export { DEFAULT_EARLY_SHARE } from './threshold.js';

// Engine and events.
export { SumStatsEngine } from './engine.js';
export type { SumStatsEngineOptions, SumStatInfo } from './engine.js';
export { epochResultToJson } from './events.js';
export type {
  ObservationEvent,
  ThresholdCrossing,
  EpochResult,
  EpochResultJson,
  SumStatsEvent,
} from './events.js';

// Sources and actions.
export { MetricSource } from './metric-source.js';
export type { MetricSourceOptions, MetricSourceRule, MetricKeyMode } from './metric-source.js';
export { SumStatsActions } from './actions.js';
export type { SumStatsActionsOptions, ActionStats } from './actions.js';

// Errors.
export { SumStatsEngineError, SUMSTATS_ENGINE_ERROR_CODES } from './errors.js';
export type { SumStatsEngineErrorCode } from './errors.js';

// Daemon configuration file.
export { loadSumStatsConfig, parseSumStatDef, readSumStatsParts } from './config.js';
export type { SumStatsConfig, SumStatsDistribution } from './config.js';

// Distribution: workers, managers, early detection, sharding (docs/sumstats.md).
export {
  SumStatsWorker,
  SumStatsManager,
  memoryLinkPair,
  wireLink,
  listenSumStatsManager,
  dialSumStatsManager,
  Rendezvous,
  KeyMerger,
  SumStatsDistributedError,
  DISTRIBUTED_ERROR_CODES,
} from './distributed/index.js';
export type { SumStatsLink } from './distributed/index.js';
