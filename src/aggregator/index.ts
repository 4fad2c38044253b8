export { Aggregator } from './aggregator.js';
export type { AggregatorOptions, AggregatorStats } from './aggregator.js';
export { LiveStore } from './live-store.js';
export type { LiveStoreOptions } from './live-store.js';
export { LiveSet, metricNames } from './live-set.js';
export { buildTree } from './tree.js';
export type { TreeNode, TreeHost } from './tree.js';
