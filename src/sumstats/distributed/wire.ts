import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { Clock, Logger } from '../../common/index.js';
import { listenOn } from '../../common/index.js';
import { Dialer } from '../../link/index.js';
import type { BackoffOptions } from '../../link/index.js';
import { acceptWire } from '../../protocol/index.js';
import type { AuthConfig } from '../../protocol/index.js';
import type { SumStatsManager } from './manager.js';
import { wireLink } from './transport.js';
import type { SumStatsWorker } from './worker.js';

/** Where a manager listens for workers. */
export interface ManagerListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  auth: AuthConfig;
  logger: Logger;
}

/** A listening manager. */
export interface ManagerListener {
  readonly port: number;
  /** Stop accepting and close every worker connection. */
  close(): Promise<void>;
}

/** Accept workers over the wire protocol (HMAC-authenticated handshake, then control messages). */
export async function listenSumStatsManager(
  manager: SumStatsManager,
  o: ManagerListenOptions,
): Promise<ManagerListener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    acceptWire(socket, { name: manager.name, auth: o.auth }).then(
      (conn) => void manager.attach(wireLink(conn, o.logger)),
      (err: unknown) => o.logger.warn('sumstats worker handshake failed', { err }),
    );
  });
  const addr = await listenOn(server, o.port, o.host);
  return {
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** How a worker reaches one manager. */
export interface ManagerDialOptions {
  host: string;
  port: number;
  auth: AuthConfig;
  clock: Clock;
  logger: Logger;
  backoff?: Partial<BackoffOptions>;
}

/**
 * Keep a worker connected to one manager, reconnecting with randomised
 * backoff; the manager's name comes from the handshake. Returns the dialer
 * (close it to stop).
 */
export function dialSumStatsManager(worker: SumStatsWorker, o: ManagerDialOptions): Dialer {
  const dialer = new Dialer({
    host: o.host,
    port: o.port,
    name: worker.name,
    role: 'aggregator',
    auth: o.auth,
    clock: o.clock,
    logger: o.logger,
    ...(o.backoff === undefined ? {} : { backoff: o.backoff }),
    onConnected: (conn) => worker.attach(wireLink(conn, o.logger)),
  });
  dialer.start();
  return dialer;
}
