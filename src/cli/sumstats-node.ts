import { ApiError } from '../api/index.js';
import type { SumStatsView } from '../api/index.js';
import type { Clock, Logger } from '../common/index.js';
import {
  MetricSource,
  parseSumStatDef,
  SumStatsActions,
  SumStatsEngine,
} from '../sumstats/index.js';
import type { ObservationEvent, SumStatsConfig } from '../sumstats/index.js';

export interface SumStatsNode {
  readonly engine: SumStatsEngine;
  /** Feeds stored host samples to the metric-source rules (an aggregator observer). */
  readonly source: MetricSource;
  readonly view: SumStatsView;
  close(): Promise<void>;
}

/** A daemon's SumStats: the engine, its metric sources and actions, and what the API shows. */
export function startSumStats(
  config: SumStatsConfig,
  o: { clock: Clock; logger: Logger },
): SumStatsNode {
  const logger = o.logger.child({ component: 'sumstats' });
  const actions = new SumStatsActions({
    logger,
    webhooks: config.webhooks,
    commands: config.commands,
    clock: o.clock,
  });
  const engine = new SumStatsEngine({
    clock: o.clock,
    logger,
    onCrossing: (c) => actions.crossing(c),
    onEpoch: (r) => actions.epoch(r),
  });
  for (const def of config.defs) engine.define(def);
  const source = new MetricSource({ engine, rules: config.metrics });
  return {
    engine,
    source,
    view: {
      summary: () => ({
        sumstats: engine.list().map((s) => ({
          name: s.def.name,
          epochMs: s.def.epochMs,
          epochStartMs: s.epochStartMs,
          keys: s.keys,
          bytes: s.bytes,
        })),
        ...actions.recent(),
      }),
      observe: (body) => {
        const events = parseObservations(body, o.clock.now());
        engine.observeBatch(events);
        return events.length;
      },
      define: (body) => {
        const def = parseSumStatDef(body, 'body');
        const replaced = engine.list().some((s) => s.def.name === def.name);
        engine.define(def);
        logger.info('sumstat defined at run time', { name: def.name, replaced });
        return { defined: def.name, replaced };
      },
      remove: (name) => {
        engine.remove(name);
        logger.info('sumstat removed at run time', { name });
        return { removed: name };
      },
    },
    async close() {
      engine.close();
      await actions.close();
    },
  };
}

const OBSERVATION_KEYS = new Set(['stream', 'key', 'host', 'num', 'str']);

/** Pushed observations: one object or an array; every problem names its place. */
export function parseObservations(body: unknown, nowMs: number): ObservationEvent[] {
  const list = Array.isArray(body) ? body : [body];
  return list.map((raw, i) => {
    const where = Array.isArray(body) ? `[${i}]` : 'body';
    const bad = (what: string): never => {
      throw new ApiError('CANOPY_ERR_BAD_PARAM', 400, `${where}${what}`);
    };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return bad(': expected an object {stream, key, num?, str?, host?}');
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!OBSERVATION_KEYS.has(k)) bad(`.${k}: unknown field`);
    if (typeof r.stream !== 'string' || r.stream === '') bad('.stream: must be a non-empty string');
    if (typeof r.key !== 'string') bad('.key: must be a string');
    if (r.num !== undefined && (typeof r.num !== 'number' || !Number.isFinite(r.num)))
      bad('.num: must be a finite number');
    if (r.str !== undefined && typeof r.str !== 'string') bad('.str: must be a string');
    if (r.host !== undefined && typeof r.host !== 'string') bad('.host: must be a string');
    if (r.num === undefined && r.str === undefined) bad(': needs num or str (or both)');
    return { ...(r as Omit<ObservationEvent, 'timeMs'>), timeMs: nowMs };
  });
}
