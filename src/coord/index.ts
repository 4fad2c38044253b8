export type {
  CoordStore,
  KeyValue,
  Lease,
  PutOptions,
  TxnCompare,
  TxnOp,
  Watch,
  WatchEvent,
  WatchOptions,
} from './types.js';
export { CoordError, COORD_ERROR_CODES } from './errors.js';
export type { CoordErrorCode } from './errors.js';
export { EtcdCoord } from './etcd-coord.js';
export type { EtcdCoordOptions } from './etcd-coord.js';
export { EmbeddedCoord } from './embedded-coord.js';
export type { EmbeddedCoordOptions } from './embedded-coord.js';
export { openCoord, parseCoordUrl } from './open-coord.js';
export type { CoordTarget } from './open-coord.js';
export { Election } from './election.js';
export type { ElectionOptions } from './election.js';
