export { ReplayBuffer, sampleBytes } from './replay-buffer.js';
export type { BufferedSample, MergeCounts, ReplayBufferStats } from './replay-buffer.js';
export { Backoff, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { Dialer } from './dialer.js';
export type { DialerOptions, DialerStats, LinkState } from './dialer.js';
export { SenderSession } from './sender-session.js';
export type { SenderSessionOptions, SenderCounters } from './sender-session.js';
export { ReceiverSession } from './receiver-session.js';
export type {
  ReceiverSessionOptions,
  ReceiverCounters,
  ReceivedSample,
  PeerInfo,
} from './receiver-session.js';
export { UpstreamLink } from './upstream-link.js';
export type { LinkStats, UpstreamLinkOptions } from './upstream-link.js';
export { PullLink } from './pull-link.js';
export type { PullLinkOptions } from './pull-link.js';
export { Uplinks } from './uplinks.js';
export type { UplinksOptions, UplinkStats, PushSpec } from './uplinks.js';
export { IngestServer } from './ingest-server.js';
export type { IngestServerOptions, IngestStats } from './ingest-server.js';
export { FORWARD_MODES, parseControl, controlBody, trySendControl } from './control.js';
export type { ControlMessage, ControlPluginSpec, ForwardMode } from './control.js';
