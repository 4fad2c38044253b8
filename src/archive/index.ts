// The archive concern's surface: the series chunk codec (value and timestamp
// streams) that the live window uses, and the archive files — a crash-safe,
// compressed, append-only store readable while it is written.
export { ValueLanes } from './value-lanes.js';
export { ValueStreamEncoder } from './value-stream.js';
export { ValueStreamDecoder } from './value-decoder.js';
export { TimestampStreamEncoder, TimestampStreamDecoder } from './timestamp-stream.js';
export { ChunkCursor } from './chunk-cursor.js';
export { MEMORY_COST } from './memory-cost.js';
export { ArchiveError, ARCHIVE_ERROR_CODES } from './errors.js';
export type { ArchiveErrorCode, ArchiveErrorOptions } from './errors.js';
export { ArchiveWriter } from './archive-writer.js';
export type { AppendItem, ArchiveWriterStats } from './archive-writer.js';
export type { ArchiveWriterOptions } from './writer-options.js';
export { ArchiveReader } from './archive-reader.js';
export type { ArchiveReaderOptions, FollowOptions } from './archive-reader.js';
export type { ArchivedSet } from './catalog.js';
export type { ArchivedSample } from './series-query.js';
export { pickTier, DEFAULT_RETENTION } from './retention.js';
export type { Retention } from './retention.js';
export { TIER_NAMES, TIER_FIELDS } from './tier-schema.js';
export type { TierName, TierField, DownsampledTier } from './tier-schema.js';
export type { TierPoint } from './tier-query.js';
