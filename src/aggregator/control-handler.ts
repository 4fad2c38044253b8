import type { Clock, Logger } from '../common/index.js';
import { toError } from '../common/index.js';
import { parseControl, trySendControl } from '../link/index.js';
import type { PeerInfo } from '../link/index.js';
import type { JsonValue, WireConnection } from '../protocol/index.js';
import type { Delegates } from './delegates.js';

export interface ControlContext {
  delegates: Delegates;
  clock: Clock;
  logger: Logger;
  onObserve: ((events: unknown) => number) | undefined;
}

/**
 * Control messages an aggregator receives from its peers: delegation links
 * (`forward`), producers' answers to a configure, and pushed observations.
 */
export function handleControl(
  ctx: ControlContext,
  peer: PeerInfo,
  body: unknown,
  conn: WireConnection | undefined,
): void {
  const c = parseControl(body);
  if (c?.op === 'observe' && conn) {
    trySendControl(conn, takeObservations(ctx, peer, c.id, c.events));
  } else if (c?.op === 'forward') {
    ctx.delegates.announce(
      { name: c.name, mode: c.mode, level: c.level, api: c.api, ous: c.ous },
      ctx.clock.now(),
    );
    ctx.logger.info('lower node announced', {
      peer: peer.name,
      mode: c.mode,
      api: c.api,
      ous: c.ous,
    });
  } else if (c?.op === 'configure-result') {
    // The producer's answer to the plugin list we (or the controller through us) sent.
    const fields = {
      peer: peer.name,
      revision: c.revision,
      ...(c.error === undefined ? {} : { error: c.error }),
    };
    if (c.ok) ctx.logger.info('producer reconfigured', fields);
    else ctx.logger.warn('producer refused its configuration', fields);
  } else {
    ctx.logger.warn('ignored control message', { peer: peer.name, body });
  }
}

/** Pushed observations over the wire: taken whole or refused with the reason. */
function takeObservations(
  ctx: ControlContext,
  peer: PeerInfo,
  id: number,
  events: unknown[],
): JsonValue {
  if (!ctx.onObserve)
    return { op: 'observe-result', id, accepted: 0, error: 'this node runs no SumStats' };
  try {
    return { op: 'observe-result', id, accepted: ctx.onObserve(events) };
  } catch (err) {
    ctx.logger.warn('observations refused', { peer: peer.name, error: toError(err) });
    return { op: 'observe-result', id, accepted: 0, error: toError(err).message };
  }
}
