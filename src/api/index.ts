export { ApiServer } from './http-server.js';
export type { ApiServerOptions, ClusterView } from './http-server.js';
export type { QuerySource, QueryContext, Routed } from './query-source.js';
export { ApiError, STATUS_BY_CODE, statusFor } from './errors.js';
export { parseTime, parseDuration } from './time-param.js';
export {
  renderExposition,
  renderOpenMetrics,
  wantsOpenMetrics,
  OPENMETRICS_CONTENT_TYPE,
} from './exposition.js';
export type { SelfMetric, HistogramMetric } from './exposition.js';
export type { SumStatsView } from './observe-endpoint.js';
