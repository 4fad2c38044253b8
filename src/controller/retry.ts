import type { Clock } from '../common/index.js';

/**
 * Run `attempt` until it succeeds or `stopped()` says to give up, waiting a
 * doubling delay (capped) between tries. Coordination-store outages are
 * ordinary here: daemons keep working and catch up when the store is back.
 */
export async function retryForever(
  attempt: () => Promise<void>,
  o: { clock: Clock; stopped: () => boolean; onError: (err: unknown) => void; maxDelayMs?: number },
): Promise<void> {
  let delayMs = 100;
  while (!o.stopped()) {
    try {
      await attempt();
      return;
    } catch (err) {
      o.onError(err);
      await sleep(o.clock, delayMs);
      delayMs = Math.min(delayMs * 2, o.maxDelayMs ?? 2000);
    }
  }
}

export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
