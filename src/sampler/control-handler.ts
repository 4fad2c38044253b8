import type { Logger } from '../common/index.js';
import { toError } from '../common/index.js';
import { controlBody, parseControl } from '../link/index.js';
import type { JsonValue } from '../protocol/index.js';
import type { PluginSpec } from './plugin.js';

/** What a sampler reports after a `configure`. */
export interface ConfigureResult {
  revision: number;
  /**
   * `applied`: the list now runs. `ignored`: the revision is not newer than
   * the one applied (several aggregators may send the same message).
   * `rejected`: invalid, nothing changed.
   */
  outcome: 'applied' | 'ignored' | 'rejected';
  /** Why it was rejected, or why an older revision was ignored. */
  error: string | undefined;
  added: string[];
  removed: string[];
  rescheduled: string[];
  replaced: string[];
}

/** The part of the sampler that control messages act on. */
export interface ControlTarget {
  setSchedule(plugin: string, intervalMs: number, offsetMs: number): void;
  configure(plugins: readonly PluginSpec[], revision: number): ConfigureResult;
}

/** Answers on the connection the message came from; false when it is gone. */
export type ControlReply = (body: JsonValue) => boolean;

/**
 * Act on a control message from an aggregator (push upstream or puller).
 * Never throws: a bad message is logged and, for `configure`, answered with
 * a failed `configure-result` so the sender can log why.
 */
export function handleSamplerControl(
  target: ControlTarget,
  body: unknown,
  reply: ControlReply | undefined,
  logger: Logger,
): void {
  const c = parseControl(body);
  if (c?.op === 'set-schedule') {
    try {
      target.setSchedule(c.plugin, c.intervalMs, c.offsetMs);
      logger.info('schedule changed by upstream', {
        plugin: c.plugin,
        intervalMs: c.intervalMs,
        offsetMs: c.offsetMs,
      });
    } catch (err) {
      logger.warn('rejected control message', { error: toError(err) });
    }
  } else if (c?.op === 'configure') {
    const r = target.configure(c.plugins, c.revision);
    reply?.(resultBody(r.revision, okOf(r), r.error));
  } else if (isConfigure(body)) {
    logger.warn('rejected configure: malformed message', { body });
    const revision = body.revision;
    if (typeof revision === 'number' && Number.isFinite(revision))
      reply?.(resultBody(revision, false, 'malformed configure message'));
  } else {
    logger.warn('unknown control message', { body });
  }
}

/** An ignored revision is fine when it is the one running: the senders agree. */
function okOf(r: ConfigureResult): boolean {
  return r.outcome === 'applied' || (r.outcome === 'ignored' && r.error === undefined);
}

function resultBody(revision: number, ok: boolean, error: string | undefined): JsonValue {
  return controlBody(
    error === undefined
      ? { op: 'configure-result', revision, ok }
      : { op: 'configure-result', revision, ok, error },
  );
}

function isConfigure(body: unknown): body is { op: 'configure'; revision?: unknown } {
  return typeof body === 'object' && body !== null && (body as { op?: unknown }).op === 'configure';
}
