import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Logger } from '../common/index.js';
import { listenOn, toError } from '../common/index.js';
import { acceptWire } from '../protocol/index.js';
import type { AuthConfig, WireConnection } from '../protocol/index.js';
import { parseControl } from './control.js';
import { ReceiverSession } from './receiver-session.js';
import type { PeerInfo, ReceivedSample, ReceiverCounters } from './receiver-session.js';
import type { SenderSession } from './sender-session.js';
import type { Uplinks } from './uplinks.js';

export interface IngestServerOptions {
  /** Our name in the handshake. */
  name: string;
  host: string;
  port: number;
  auth: AuthConfig;
  logger: Logger;
  /**
   * Store a batch. The frame is acknowledged only after the returned promise
   * resolves, so a peer never drops from its replay buffer what we did not keep.
   */
  onSamples: (peer: PeerInfo, samples: ReceivedSample[]) => void | Promise<void>;
  /** Control messages other than `subscribe`. */
  onControl?: (peer: PeerInfo, body: unknown, conn: WireConnection) => void;
  onPeerChange?: (peer: PeerInfo, connected: boolean) => void;
  /** Where pullers that subscribe are served from; without it subscriptions are refused. */
  uplinks?: Uplinks;
}

export interface IngestStats extends ReceiverCounters {
  connections: number;
  acceptedTotal: number;
  rejectedTotal: number;
}

/**
 * Accepts wire connections: producers that push (samplers, lower
 * aggregators, `canopy put`) and pullers that subscribe. Each connection gets
 * a ReceiverSession for what it sends and, once it subscribes, a
 * SenderSession for what it asked for. A bad peer only loses its own connection.
 */
export class IngestServer {
  readonly #o: IngestServerOptions;
  readonly #server: Server;
  readonly #conns = new Map<WireConnection, PeerInfo>();
  readonly #sockets = new Set<Socket>();
  readonly #counters: ReceiverCounters = { framesIn: 0, samplesIn: 0, unknownSetEntries: 0 };
  #accepted = 0;
  #rejected = 0;

  constructor(options: IngestServerOptions) {
    this.#o = options;
    this.#server = createServer((socket) => this.#onSocket(socket));
    this.#server.on('error', (err) => options.logger.error('ingest server error', { error: err }));
  }

  async listen(): Promise<AddressInfo> {
    return listenOn(this.#server, this.#o.port, this.#o.host);
  }

  address(): AddressInfo {
    return this.#server.address() as AddressInfo;
  }

  stats(): IngestStats {
    return {
      ...this.#counters,
      connections: this.#conns.size,
      acceptedTotal: this.#accepted,
      rejectedTotal: this.#rejected,
    };
  }

  peers(): PeerInfo[] {
    return [...this.#conns.values()];
  }

  async close(): Promise<void> {
    for (const c of this.#conns.keys()) c.close();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onSocket(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    acceptWire(socket, { name: this.#o.name, auth: this.#o.auth }).then(
      (conn) => this.#onConnection(conn, remote),
      (err: unknown) => {
        this.#rejected++;
        this.#o.logger.warn('peer rejected', { remote, error: toError(err) });
        socket.destroy();
      },
    );
  }

  #onConnection(conn: WireConnection, remote: string): void {
    const peer: PeerInfo = { name: conn.peer.name, role: conn.peer.role, remote };
    this.#conns.set(conn, peer);
    this.#accepted++;
    this.#o.onPeerChange?.(peer, true);
    let sender: SenderSession | undefined;
    const receiver = new ReceiverSession({
      conn,
      peer,
      logger: this.#o.logger,
      counters: this.#counters,
      onSamples: this.#o.onSamples,
      onControl: (p, body) => {
        const control = parseControl(body);
        if (control?.op !== 'subscribe') return this.#o.onControl?.(p, body, conn);
        if (!this.#o.uplinks)
          return conn.close(new Error('this node does not serve subscriptions'));
        sender = this.#o.uplinks.subscribe(p.name, control.mode, conn, control.takeover);
        this.#o.logger.info('puller subscribed', {
          peer: p.name,
          mode: control.mode,
          ...(control.takeover ? { takeover: control.takeover } : {}),
        });
      },
    });
    conn.onMessage((m) => (m.type === 'ack' ? sender?.onMessage(m) : receiver.onMessage(m)));
    conn.onClose((err) => {
      this.#conns.delete(conn);
      this.#o.onPeerChange?.(peer, false);
      if (err) this.#o.logger.warn('peer disconnected', { peer: peer.name, remote, error: err });
    });
  }
}
