import { ApiError } from '../api/index.js';
import type { SumStatsView } from '../api/index.js';
import type { Clock, Logger } from '../common/index.js';
import type { AuthConfig } from '../protocol/index.js';
import {
  dialSumStatsManager,
  listenSumStatsManager,
  memoryLinkPair,
  MetricSource,
  parseSumStatDef,
  SumStatsActions,
  SumStatsEngine,
  SumStatsManager,
  SumStatsWorker,
} from '../sumstats/index.js';
import type { ObservationEvent, SumStatDef, SumStatsConfig } from '../sumstats/index.js';

export interface SumStatsNode {
  readonly engine: SumStatsEngine;
  /** Feeds stored host samples to the metric-source rules (an aggregator observer). */
  readonly source: MetricSource;
  readonly view: SumStatsView;
  close(): Promise<void>;
}

/** A daemon's SumStats: the engine, its metric sources and actions, and what the API shows. */
export async function startSumStats(
  config: SumStatsConfig,
  o: { clock: Clock; logger: Logger; name: string; auth: AuthConfig },
): Promise<SumStatsNode> {
  const logger = o.logger.child({ component: 'sumstats' });
  const dist = config.distribution;
  const name = dist?.name ?? o.name;
  const actions = new SumStatsActions({
    logger,
    webhooks: config.webhooks,
    commands: config.commands,
    clock: o.clock,
  });
  let worker: SumStatsWorker | undefined;
  // Distributed, only the manager's merged (global) view fires actions.
  const engine = new SumStatsEngine({
    clock: o.clock,
    logger,
    ...(dist ? {} : { onCrossing: (c) => actions.crossing(c), onEpoch: (r) => actions.epoch(r) }),
    onNearThreshold: (s, k, v) => worker?.near(s, k, v),
  });
  const closers: (() => Promise<void> | void)[] = [];
  let manager: SumStatsManager | undefined;
  if (!dist) for (const def of config.defs) engine.define(def);
  else if (dist.role === 'manager') {
    manager = new SumStatsManager({
      name,
      clock: o.clock,
      logger,
      defs: config.defs,
      onCrossing: (c) => actions.crossing(c),
      onEpoch: (r) => actions.epoch(r),
    });
    const listener = await listenSumStatsManager(manager, { ...dist.listen, auth: o.auth, logger });
    logger.info('sumstats manager listening', { name, port: listener.port });
    // This node's own observations join through a local worker.
    worker = new SumStatsWorker({
      name: `${name}.local`,
      engine,
      managers: [name],
      clock: o.clock,
      logger,
    });
    const [toManager, toWorker] = memoryLinkPair(`${name}.local`, name);
    worker.attach(toManager);
    manager.attach(toWorker);
    closers.push(
      () => listener.close(),
      () => manager?.close(),
    );
  } else {
    worker = new SumStatsWorker({
      name,
      engine,
      managers: dist.managers.map((m) => m.name),
      clock: o.clock,
      logger,
    });
    for (const m of dist.managers) {
      const dialer = dialSumStatsManager(worker, {
        host: m.host,
        port: m.port,
        auth: o.auth,
        clock: o.clock,
        logger,
      });
      closers.push(() => dialer.close());
    }
  }
  const source = new MetricSource({ engine, rules: config.metrics });
  const defsView = (): SumStatsEngine => manager?.engine ?? engine;
  return {
    engine,
    source,
    view: sumStatsView({
      engine,
      defsView,
      actions,
      logger,
      clock: o.clock,
      owner: dist === undefined ? engine : dist.role === 'manager' ? manager : undefined,
    }),
    async close() {
      worker?.close();
      for (const c of closers.reverse()) await c();
      engine.close();
      await actions.close();
    },
  };
}

function sumStatsView(o: {
  engine: SumStatsEngine;
  defsView: () => SumStatsEngine;
  actions: SumStatsActions;
  logger: Logger;
  clock: Clock;
  owner: Definer | undefined;
}): SumStatsView {
  return {
    summary: () => ({
      sumstats: o
        .defsView()
        .list()
        .map((s) => ({
          name: s.def.name,
          epochMs: s.def.epochMs,
          epochStartMs: s.epochStartMs,
          keys: s.keys,
          bytes: s.bytes,
        })),
      ...o.actions.recent(),
    }),
    observe: (body) => {
      const events = parseObservations(body, o.clock.now());
      o.engine.observeBatch(events);
      return events.length;
    },
    define: (body) => {
      const owner = definer(o);
      const def = parseSumStatDef(body, 'body');
      const replaced = o
        .defsView()
        .list()
        .some((s) => s.def.name === def.name);
      owner.define(def);
      o.logger.info('sumstat defined at run time', { name: def.name, replaced });
      return { defined: def.name, replaced };
    },
    remove: (name) => {
      definer(o).remove(name);
      o.logger.info('sumstat removed at run time', { name });
      return { removed: name };
    },
  };
}

/** Who owns the definitions: this engine alone, the manager (which pushes them to its workers), or — on a worker — nobody here. */
function definer(o: { owner: Definer | undefined }): Definer {
  if (!o.owner)
    throw new ApiError(
      'CANOPY_ERR_BAD_PARAM',
      400,
      'this node is a SumStats worker: define sumstats at its manager',
    );
  return o.owner;
}

interface Definer {
  define(def: SumStatDef): void;
  remove(name: string): void;
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
