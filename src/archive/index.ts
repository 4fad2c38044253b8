// The archive concern's surface. For now: the series chunk codec (value and
// timestamp streams) that the live window uses and the archive files will.
export { ValueLanes } from './value-lanes.js';
export { ValueStreamEncoder } from './value-stream.js';
export { ValueStreamDecoder } from './value-decoder.js';
export { TimestampStreamEncoder, TimestampStreamDecoder } from './timestamp-stream.js';
export { ChunkCursor } from './chunk-cursor.js';
export { MEMORY_COST } from './memory-cost.js';
export { ArchiveError, ARCHIVE_ERROR_CODES } from './errors.js';
export type { ArchiveErrorCode } from './errors.js';
