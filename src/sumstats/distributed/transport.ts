import type { Logger } from '../../common/index.js';
import type { JsonValue, WireConnection } from '../../protocol/index.js';
import { parseSumStatsMessage, toJsonBody } from './messages.js';
import type { SumStatsMessage } from './messages.js';

/**
 * One link between a worker and a manager, at the level of sumstats
 * messages. Workers and managers only see this seam, so unit tests run them
 * in one process over `memoryLinkPair` and daemons over `wireLink`.
 */
export interface SumStatsLink {
  /** The authenticated name of the other side. */
  readonly peer: string;
  /** Send one message; false when the link is closed (the message is lost). */
  send(m: SumStatsMessage): boolean;
  onMessage(handler: (m: SumStatsMessage) => void): void;
  /** Called once when the link closes (either side, or the peer died). */
  onClose(handler: () => void): void;
  close(): void;
}

type Handlers = { msg: ((m: SumStatsMessage) => void)[]; close: (() => void)[]; closed: boolean };

/**
 * Two connected in-memory links. Messages go through the same JSON encoding
 * and strict parsing as on the wire, and arrive on a later microtask, so
 * ordering and re-entrancy match a socket.
 */
export function memoryLinkPair(aName: string, bName: string): [SumStatsLink, SumStatsLink] {
  const a: Handlers = { msg: [], close: [], closed: false };
  const b: Handlers = { msg: [], close: [], closed: false };
  const shut = (): void => {
    for (const h of [a, b]) {
      if (h.closed) continue;
      h.closed = true;
      queueMicrotask(() => h.close.splice(0).forEach((f) => f()));
    }
  };
  const make = (self: Handlers, other: Handlers, peer: string): SumStatsLink => ({
    peer,
    send(m) {
      if (self.closed) return false;
      const text = JSON.stringify(toJsonBody(m));
      queueMicrotask(() => {
        if (other.closed) return;
        const parsed = parseSumStatsMessage(JSON.parse(text) as JsonValue);
        if (parsed !== undefined) for (const h of other.msg) h(parsed);
      });
      return true;
    },
    onMessage: (h) => void self.msg.push(h),
    onClose: (h) => {
      if (self.closed) queueMicrotask(h);
      else self.close.push(h);
    },
    close: shut,
  });
  // a's peer is b and vice versa.
  return [make(a, b, bName), make(b, a, aName)];
}

/**
 * A link over an authenticated wire connection: messages are control frames
 * tagged `op: 'sumstats'`; other control messages are left to other handlers.
 * A malformed sumstats body closes the connection (the peer is broken or
 * hostile, and a half-understood protocol would corrupt results).
 */
export function wireLink(conn: WireConnection, logger: Logger): SumStatsLink {
  return {
    peer: conn.peer.name,
    send(m) {
      if (conn.state !== 'open') return false;
      conn.sendControl(toJsonBody(m));
      return true;
    },
    onMessage(handler) {
      conn.onMessage((msg) => {
        if (msg.type !== 'control') return;
        let parsed: SumStatsMessage | undefined;
        try {
          parsed = parseSumStatsMessage(msg.body);
        } catch (err) {
          logger.warn('malformed sumstats message; closing link', { peer: conn.peer.name, err });
          conn.close();
          return;
        }
        if (parsed !== undefined) handler(parsed);
      });
    },
    onClose: (h) => conn.onClose(() => h()),
    close: () => conn.close(),
  };
}
