import type { Clock } from '../common/index.js';
import type { SetInstance, SetSample } from '../model/index.js';

/** What a plugin knows about where it runs. */
export interface PluginContext {
  /** Host token the sets are published under. */
  readonly host: string;
  /** Organisational units above the host (at least one). */
  readonly ous: readonly string[];
  /** Root of the proc filesystem: '/proc' in production, a fixture directory in tests. */
  readonly procRoot: string;
  readonly clock: Clock;
}

/** One sample of one set, as produced by a plugin. */
export interface PluginSample {
  readonly set: SetInstance;
  readonly sample: SetSample;
}

/**
 * A source of metric sets. `set` objects stay identical (same object) from
 * one sample to the next while their layout does not change, so the daemon
 * can cache encoders and schema announcements by identity; a plugin builds a
 * new SetInstance only when the layout changes (a new interface or disk, a
 * CPU going offline).
 */
export interface SamplerPlugin {
  readonly name: string;
  /**
   * Read once, atomically per set: every metric of one set comes from one read
   * and carries one timestamp (`nowMs`). Each returned `sample.values` is a
   * fresh array the caller may keep.
   */
  sample(nowMs: number): Promise<PluginSample[]>;
  /** Release file handles and caches. */
  close?(): Promise<void>;
}

/** Builds a plugin from its context and its (already parsed, not yet validated) options. */
export type PluginFactory = (ctx: PluginContext, config: Record<string, unknown>) => SamplerPlugin;

/** One plugin a sampler runs: which one, its schedule, and its options. */
export interface PluginSpec {
  /** Plugin name (createPlugin); at most one instance per name. */
  name: string;
  intervalMs: number;
  offsetMs: number;
  config: Record<string, unknown>;
}
