export { ReplayBuffer, sampleBytes } from './replay-buffer.js';
export type { BufferedSample, ReplayBufferStats } from './replay-buffer.js';
export { Backoff, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { UpstreamLink } from './upstream-link.js';
export type { LinkState, LinkStats, UpstreamLinkOptions } from './upstream-link.js';
export { IngestServer } from './ingest-server.js';
export type {
  IngestServerOptions,
  IngestStats,
  PeerInfo,
  ReceivedSample,
} from './ingest-server.js';
