export { Aggregator } from './aggregator.js';
export type { AggregatorOptions, AggregatorStats, Endpoint } from './aggregator.js';
export type { SampleObserver } from './ingest-sinks.js';
export { PullSet } from './pull-set.js';
export type { PullSpec, PullSetOptions } from './pull-set.js';
export { AGGREGATOR_DEFAULTS, loadAggregatorConfig } from './config.js';
export type { AggregatorConfig } from './config.js';
export { LiveStore } from './live-store.js';
export type { LiveStoreOptions } from './live-store.js';
export { LiveSet, nameTemplates } from './live-set.js';
export type { NameTemplate } from './live-set.js';
export { SetWindow } from './set-window.js';
export type { SetWindowOptions } from './set-window.js';
export { buildTree, hostStates } from './tree.js';
export type { TreeNode, TreeHost, Staleness } from './tree.js';
export { Delegates } from './delegates.js';
export type { Delegate, DelegateView } from './delegates.js';
export { TreeRouter, MAX_HOPS } from './tree-router.js';
export type { RoutedResult } from './tree-router.js';
export { SummaryBuilder } from './summary-builder.js';
export type {
  SummaryBuilderOptions,
  SummaryBuilderStats,
  SummaryHostState,
  SummaryOutput,
} from './summary-builder.js';
export {
  summarizeHosts,
  summarizeSummaries,
  mergeSummarySeries,
  hostCounts,
} from './summary-query.js';
export { Subscriptions } from './subscriptions.js';
export type { FollowedPoints } from './subscriptions.js';
export { archiveRefs, combineRefs, unionPoints, rangeFromRefs } from './archive-source.js';
export type { ArchiveQueryable, TierChoice } from './archive-source.js';
