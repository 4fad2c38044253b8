export { ModelError } from './errors.js';
export {
  METRIC_TYPES,
  SEMANTICS,
  MODEL_LIMITS,
  isValidToken,
  validateSchema,
  hasStrings,
  schemaDigest,
  metric,
} from './schema.js';
export type { MetricType, Semantics, MetricDef, SetSchema, SetSample } from './schema.js';
export { setInstanceKey, validateSetInstance, metricFullName, SET_KINDS } from './set-instance.js';
export type { SetInstance, SetKind } from './set-instance.js';
export { MODEL_ERROR_CODES } from './errors.js';
export type { ModelErrorCode } from './errors.js';
export { parseName, formatName } from './name.js';
export type { MetricName } from './name.js';
export { LABEL_OPS, isValidLabelName, quoteLabelValue } from './label-syntax.js';
export type { LabelOp } from './label-syntax.js';
export { parseSelector, compileSelector } from './selector.js';
export type { Selector, SelectorOptions, LabelMatcher } from './selector.js';
export { expandHostList, MAX_RANGE_DIGITS } from './hostlist.js';
export type { ExpandHostListOptions } from './hostlist.js';
export { compressHostList } from './hostlist-compress.js';
export type { LatestPoint, RangeSeries } from './points.js';
export { regexCloseAt } from './regex-scan.js';
