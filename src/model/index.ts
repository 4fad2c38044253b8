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
export { setInstanceKey, validateSetInstance, metricFullName } from './set-instance.js';
export type { SetInstance } from './set-instance.js';
