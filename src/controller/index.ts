export { Controller } from './controller.js';
export type { ControllerOptions } from './controller.js';
export { AggregatorAgent } from './aggregator-agent.js';
export type { AggregatorAgentOptions } from './aggregator-agent.js';
export { ClusterKeys, parseRecord } from './keys.js';
export type {
  AssignedProducer,
  AssignmentRecord,
  CaptureRecord,
  ClusterEvent,
  DirectoryRecord,
  MemberHealth,
  MemberRecord,
  SamplerDesired,
  StoredConfig,
} from './keys.js';
export { reconcile, withCaptures } from './reconcile.js';
export type { GroupMove, ReconcileInput, ReconcileOutput } from './reconcile.js';
export { balance, imbalance } from './balance.js';
export type { BalanceBy, BalanceInput, BalanceResult, Move } from './balance.js';
export { recordHolder, spansIn, parseHostHistory } from './catalog.js';
export type { HostHistory, Span } from './catalog.js';
export { planCaptures, holdCaptures, releaseCaptures, captureId } from './captures.js';
export type { CaptureRequest } from './captures.js';
export { ClusterQuery } from './cluster-query.js';
export type { ClusterRange, HostLocation } from './cluster-query.js';
export { clusterStatus } from './status.js';
export type { ClusterStatus } from './status.js';
export { ControllerError } from './errors.js';
export type { ControllerErrorCode } from './errors.js';
