import type { Clock, Logger } from '../common/index.js';
import { PullLink } from '../link/index.js';
import type { ForwardMode, PeerInfo, ReceivedSample } from '../link/index.js';
import type { AuthConfig, JsonValue } from '../protocol/index.js';

/** One producer this node pulls from, as configured or assigned by the controller. */
export interface PullSpec {
  host: string;
  port: number;
  mode: ForwardMode;
  /** Previous holders whose replay buffers the producer hands to us (failover, rebalance). */
  takeover?: readonly string[];
  /** Control message sent on every (re)connect, e.g. the producer's desired plugin list. */
  greeting?: JsonValue;
}

export interface PullSetOptions {
  name: string;
  auth: AuthConfig;
  clock: Clock;
  logger: Logger;
  onSamples: (peer: PeerInfo, samples: ReceivedSample[]) => void | Promise<void>;
  onControl: (peer: PeerInfo, body: unknown) => void;
  onPeerChange: (peer: PeerInfo, connected: boolean) => void;
}

interface Entry {
  spec: PullSpec;
  link: PullLink;
}

/**
 * The producers an aggregator pulls from, keyed by producer name. Static
 * configuration fills it once; a controller assignment changes it at run time
 * (a moved producer's link closes here and opens on its new holder).
 */
export class PullSet {
  readonly #o: PullSetOptions;
  readonly #links = new Map<string, Entry>();
  #started = false;

  constructor(options: PullSetOptions) {
    this.#o = options;
  }

  /** Add or update a producer; a changed endpoint or mode reopens the link. */
  set(key: string, spec: PullSpec): void {
    const old = this.#links.get(key);
    if (old && old.spec.host === spec.host && old.spec.port === spec.port) {
      if (old.spec.mode === spec.mode) {
        const greetingChanged = JSON.stringify(old.spec.greeting) !== JSON.stringify(spec.greeting);
        old.spec = spec;
        if (greetingChanged && spec.greeting !== undefined) old.link.sendControl(spec.greeting);
        return;
      }
    }
    if (old) old.link.close();
    const entry: Entry = { spec, link: undefined as unknown as PullLink };
    entry.link = new PullLink({
      host: spec.host,
      port: spec.port,
      mode: spec.mode,
      name: this.#o.name,
      auth: this.#o.auth,
      clock: this.#o.clock,
      logger: this.#o.logger.child({ producer: key }),
      takeover: () => [...(entry.spec.takeover ?? [])],
      onConnected: (send) => {
        if (entry.spec.greeting !== undefined) send(entry.spec.greeting);
      },
      onSamples: this.#o.onSamples,
      onControl: this.#o.onControl,
      onPeerChange: this.#o.onPeerChange,
    });
    this.#links.set(key, entry);
    if (this.#started) entry.link.start();
  }

  /** Stop pulling from a producer (its samples now flow to another holder). */
  delete(key: string): boolean {
    const e = this.#links.get(key);
    if (!e) return false;
    e.link.close();
    this.#links.delete(key);
    return true;
  }

  keys(): string[] {
    return [...this.#links.keys()];
  }

  start(): void {
    this.#started = true;
    for (const e of this.#links.values()) e.link.start();
  }

  stats(): (ReturnType<PullLink['stats']> & { producer: string })[] {
    return [...this.#links].map(([producer, e]) => ({ producer, ...e.link.stats() }));
  }

  close(): void {
    this.#started = false;
    for (const e of this.#links.values()) e.link.close();
    this.#links.clear();
  }
}
