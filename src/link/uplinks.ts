import type { Clock, Logger } from '../common/index.js';
import type { SetInstance, SetSample } from '../model/index.js';
import type { AuthConfig, JsonValue, PeerRole, WireConnection } from '../protocol/index.js';
import type { BackoffOptions } from './backoff.js';
import { FORWARD_MODES } from './control.js';
import type { ForwardMode } from './control.js';
import { ReplayBuffer } from './replay-buffer.js';
import type { ReplayBufferStats } from './replay-buffer.js';
import { SenderSession } from './sender-session.js';
import { UpstreamLink } from './upstream-link.js';
import type { LinkStats } from './upstream-link.js';

export interface UplinksOptions {
  /** Our name in handshakes. */
  name: string;
  role: PeerRole;
  auth: AuthConfig;
  clock: Clock;
  logger: Logger;
  /** Byte bound of each uplink's replay buffer. */
  bufferBytes: number;
  backoff?: Partial<BackoffOptions>;
  /** First control message on every uplink connection (push and pull). */
  greeting?: (mode: ForwardMode) => JsonValue;
  /**
   * Control messages that arrive on an uplink connection (push or pull);
   * `reply` answers on the same connection and returns false when it is gone.
   */
  onControl?: (body: unknown, reply: (body: JsonValue) => boolean) => void;
}

export interface PushSpec {
  host: string;
  port: number;
  mode: ForwardMode;
}

interface Uplink {
  name: string;
  mode: ForwardMode;
  transport: 'push' | 'pull';
  buffer: ReplayBuffer;
  link: UpstreamLink | undefined;
  session: SenderSession | undefined;
  reportedDrops: number;
  lastDropLogMs: number;
}

export interface UplinkStats {
  name: string;
  mode: ForwardMode;
  transport: 'push' | 'pull';
  connected: boolean;
  buffer: ReplayBufferStats;
  link: LinkStats | undefined;
}

const DROP_LOG_EVERY_MS = 10_000;

/** Uplink name of a puller: one buffer per puller and mode. */
const pullName = (peerName: string, mode: ForwardMode): string => `pull:${peerName}:${mode}`;

/**
 * Every destination a node forwards to, each with its own bounded replay
 * buffer: push uplinks dial out; pull uplinks appear when an upper node
 * subscribes and outlive its connection, so a reconnecting puller gets the
 * gap replayed. Overflow drops the oldest samples, is counted, and is logged.
 */
export class Uplinks {
  readonly #o: UplinksOptions;
  readonly #uplinks = new Map<string, Uplink>();
  #nextSeq = 1;

  constructor(options: UplinksOptions) {
    this.#o = options;
  }

  addPush(spec: PushSpec): void {
    const name = `push:${spec.host}:${spec.port}`;
    const buffer = new ReplayBuffer(this.#o.bufferBytes);
    const link = new UpstreamLink({
      host: spec.host,
      port: spec.port,
      name: this.#o.name,
      role: this.#o.role,
      auth: this.#o.auth,
      buffer,
      clock: this.#o.clock,
      logger: this.#o.logger.child({ uplink: name }),
      ...(this.#o.backoff ? { backoff: this.#o.backoff } : {}),
      ...(this.#o.greeting ? { greeting: () => this.#o.greeting!(spec.mode) } : {}),
      ...(this.#o.onControl ? { onControl: this.#o.onControl } : {}),
    });
    this.#uplinks.set(name, this.#uplink(name, spec.mode, 'push', buffer, link));
  }

  #uplink(
    name: string,
    mode: ForwardMode,
    transport: 'push' | 'pull',
    buffer: ReplayBuffer,
    link?: UpstreamLink,
  ): Uplink {
    return {
      name,
      mode,
      transport,
      buffer,
      link,
      session: undefined,
      reportedDrops: 0,
      lastDropLogMs: -Infinity,
    };
  }

  start(): void {
    for (const u of this.#uplinks.values()) u.link?.start();
  }

  /** True when some uplink wants this mode (so the node need not compute what nobody takes). */
  wants(mode: ForwardMode): boolean {
    for (const u of this.#uplinks.values()) if (u.mode === mode) return true;
    return false;
  }

  /** Queue a sample on every uplink of `mode`. */
  offer(mode: ForwardMode, set: SetInstance, sample: SetSample): void {
    for (const u of this.#uplinks.values()) {
      if (u.mode !== mode) continue;
      u.buffer.push(set, sample);
      this.#reportDrops(u);
    }
  }

  /** Start sending what was offered since the last kick. */
  kick(): void {
    for (const u of this.#uplinks.values()) {
      u.link?.kick();
      u.session?.kick();
    }
  }

  /**
   * A puller subscribed on `conn`: attach a sender session to its uplink
   * (created on first subscription, keyed by the puller's name and mode).
   * `takeover` names previous pullers of the same mode whose buffers this
   * puller inherits (failover: their unacknowledged samples must not be
   * lost). Returns the session so the caller can route acks to it.
   */
  subscribe(
    peerName: string,
    mode: ForwardMode,
    conn: WireConnection,
    takeover: readonly string[] = [],
  ): SenderSession {
    const name = pullName(peerName, mode);
    let u = this.#uplinks.get(name);
    if (!u) {
      u = this.#uplink(name, mode, 'pull', new ReplayBuffer(this.#o.bufferBytes));
      this.#uplinks.set(name, u);
    }
    u.session?.stop();
    for (const old of takeover) this.#takeOver(old, u);
    const greeting = this.#o.greeting?.(mode);
    if (greeting !== undefined) conn.sendControl(greeting);
    const session = new SenderSession({
      conn,
      buffer: u.buffer,
      clock: this.#o.clock,
      maxSetsPerFrame: 2048,
      ackTimeoutMs: 15_000,
      firstSeq: this.#nextSeq,
      ...(this.#o.onControl ? { onControl: this.#o.onControl } : {}),
    });
    u.session = session;
    const uplink = u;
    conn.onClose(() => {
      session.stop();
      this.#nextSeq = Math.max(this.#nextSeq, session.nextSeq);
      if (uplink.session === session) uplink.session = undefined;
    });
    session.kick();
    return session;
  }

  /**
   * Move everything a previous puller left unacknowledged into `into`'s
   * buffer and forget that puller. Its session (if it is somehow still
   * attached) stops sending: from now on `into` is the only holder. Its
   * connection is left open on purpose: closing it would make a still-running
   * old puller reconnect and re-create a buffer nobody drains; it is expected
   * to close the link itself once it learns of the reassignment.
   */
  #takeOver(oldPeer: string, into: Uplink): void {
    const oldName = pullName(oldPeer, into.mode);
    const old = this.#uplinks.get(oldName);
    if (!old || old === into) {
      this.#o.logger.debug('takeover of an unknown puller ignored', {
        uplink: into.name,
        takeover: oldPeer,
      });
      return;
    }
    // Stopping rewinds: samples in frames the old puller never acknowledged count as unsent.
    old.session?.stop();
    old.session = undefined;
    this.#uplinks.delete(oldName);
    const moved = old.buffer.takeAll();
    const counts = into.buffer.merge(moved);
    this.#o.logger.info('took over replay buffer', {
      from: oldName,
      to: into.name,
      moved: moved.length,
      added: counts.added,
      duplicates: counts.duplicates,
      dropped: counts.dropped,
      held: into.buffer.stats().samples,
    });
  }

  /**
   * Forget a puller (every mode): its buffer is discarded and its stats
   * disappear. For an operator removing an aggregator for good; a puller that
   * subscribes again later starts with an empty buffer. Returns whether it was known.
   */
  dropPull(peerName: string): boolean {
    let found = false;
    for (const mode of FORWARD_MODES) {
      const name = pullName(peerName, mode);
      const u = this.#uplinks.get(name);
      if (!u) continue;
      found = true;
      u.session?.stop();
      u.session = undefined;
      this.#uplinks.delete(name);
      this.#o.logger.info('dropped puller buffer', {
        uplink: name,
        discardedSamples: u.buffer.stats().samples,
      });
    }
    return found;
  }

  #reportDrops(u: Uplink): void {
    const dropped = u.buffer.stats().droppedSamples;
    if (dropped === u.reportedDrops) return;
    const now = this.#o.clock.now();
    if (now - u.lastDropLogMs < DROP_LOG_EVERY_MS) return;
    this.#o.logger.warn('replay buffer full: dropping oldest samples', {
      uplink: u.name,
      droppedSinceLastReport: dropped - u.reportedDrops,
      droppedTotal: dropped,
      maxBytes: u.buffer.maxBytes,
    });
    u.reportedDrops = dropped;
    u.lastDropLogMs = now;
  }

  stats(): UplinkStats[] {
    return [...this.#uplinks.values()].map((u) => ({
      name: u.name,
      mode: u.mode,
      transport: u.transport,
      connected: u.link ? u.link.state === 'connected' : u.session !== undefined,
      buffer: u.buffer.stats(),
      link: u.link?.stats(),
    }));
  }

  async close(): Promise<void> {
    for (const u of this.#uplinks.values()) {
      u.session?.stop();
      await u.link?.close();
    }
  }
}
