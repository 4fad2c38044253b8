// Distributed sumstats: workers beside local engines, managers that merge.
export { SumStatsWorker } from './worker.js';
export type { SumStatsWorkerOptions, SumStatsWorkerStats } from './worker.js';
export { SumStatsManager } from './manager.js';
export type { SumStatsManagerOptions } from './manager.js';
export type { GlobalViewStats } from './global-views.js';
export { Rendezvous } from './rendezvous.js';
export { memoryLinkPair, wireLink } from './transport.js';
export type { SumStatsLink } from './transport.js';
export { parseSumStatsMessage, toJsonBody, SUMSTATS_OP } from './messages.js';
export type { SumStatsMessage, EncodedKey } from './messages.js';
export { KeyMerger } from './merge.js';
export { listenSumStatsManager, dialSumStatsManager } from './wire.js';
export type { ManagerListener, ManagerListenOptions, ManagerDialOptions } from './wire.js';
export { SumStatsDistributedError, DISTRIBUTED_ERROR_CODES } from './errors.js';
export type { DistributedErrorCode } from './errors.js';
