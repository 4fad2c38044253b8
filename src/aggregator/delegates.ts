import type { ForwardMode } from '../link/index.js';

/** A lower node that forwards to this one, and where its detail can be queried. */
export interface Delegate {
  name: string;
  mode: ForwardMode;
  level: number;
  /** Base URL of its HTTP API (the delegation link); null when it has none. */
  api: string | null;
  /** OU paths (joined with `:`) it declared or sent summaries for. */
  ous: Set<string>;
  connected: boolean;
  sinceMs: number;
}

export interface DelegateView {
  name: string;
  mode: ForwardMode;
  level: number;
  api: string | null;
  ous: string[];
  connected: boolean;
  sinceMs: number;
}

/**
 * The delegation table: which lower node holds the detail of which OUs.
 * Filled from each lower node's `forward` greeting and from the OUs of the
 * summary sets it sends.
 */
export class Delegates {
  readonly #byName = new Map<string, Delegate>();

  announce(
    d: {
      name: string;
      mode: ForwardMode;
      level: number;
      api: string | null;
      ous: readonly string[];
    },
    nowMs: number,
  ): void {
    const existing = this.#byName.get(d.name);
    const ous = existing?.ous ?? new Set<string>();
    for (const ou of d.ous) ous.add(ou);
    this.#byName.set(d.name, { ...d, ous, connected: true, sinceMs: nowMs });
  }

  /** Record that `name` sent a summary for `ous`. */
  sawOu(name: string, ous: readonly string[]): void {
    this.#byName.get(name)?.ous.add(ous.join(':'));
  }

  disconnected(name: string, nowMs: number): void {
    const d = this.#byName.get(name);
    if (d) {
      d.connected = false;
      d.sinceMs = nowMs;
    }
  }

  /** Summary-mode delegates with a query address whose OUs may hold matches. */
  forQuery(matchesOuSubtree: (ous: readonly string[]) => boolean): Delegate[] {
    const out: Delegate[] = [];
    for (const d of this.#byName.values()) {
      if (d.mode !== 'summary' || d.api === null) continue;
      if (d.ous.size === 0 || [...d.ous].some((ou) => matchesOuSubtree(ou.split(':')))) out.push(d);
    }
    return out;
  }

  list(): DelegateView[] {
    return [...this.#byName.values()].map((d) => ({ ...d, ous: [...d.ous].sort() }));
  }
}
