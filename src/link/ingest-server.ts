import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Logger } from '../common/index.js';
import { listenOn } from '../common/index.js';
import { toError } from '../common/index.js';
import type { SetInstance, SetSample } from '../model/index.js';
import { acceptWire } from '../protocol/index.js';
import type { AuthConfig, Message, WireConnection } from '../protocol/index.js';

/** A sample received from a peer, resolved against the schema the peer sent. */
export interface ReceivedSample {
  readonly set: SetInstance;
  readonly sample: SetSample;
}

export interface PeerInfo {
  readonly name: string;
  readonly role: string;
  readonly remote: string;
}

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
  onControl?: (peer: PeerInfo, body: unknown, conn: WireConnection) => void;
  onPeerChange?: (peer: PeerInfo, connected: boolean) => void;
}

export interface IngestStats {
  connections: number;
  acceptedTotal: number;
  rejectedTotal: number;
  framesIn: number;
  samplesIn: number;
  unknownSetEntries: number;
}

/**
 * Accepts wire connections (samplers, lower aggregators, `canopy put`),
 * resolves data against each connection's schemas and acknowledges frames once
 * they are stored. A bad peer only ever loses its own connection.
 */
export class IngestServer {
  readonly #o: IngestServerOptions;
  readonly #server: Server;
  readonly #conns = new Set<WireConnection>();
  readonly #sockets = new Set<Socket>();
  #stats: IngestStats = {
    connections: 0,
    acceptedTotal: 0,
    rejectedTotal: 0,
    framesIn: 0,
    samplesIn: 0,
    unknownSetEntries: 0,
  };

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
    return { ...this.#stats, connections: this.#conns.size };
  }

  peers(): PeerInfo[] {
    return [...this.#conns].map((c) => ({ name: c.peer.name, role: c.peer.role, remote: '' }));
  }

  async close(): Promise<void> {
    for (const c of this.#conns) c.close();
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
        this.#stats.rejectedTotal++;
        this.#o.logger.warn('peer rejected', { remote, error: toError(err) });
        socket.destroy();
      },
    );
  }

  #onConnection(conn: WireConnection, remote: string): void {
    const peer: PeerInfo = { name: conn.peer.name, role: conn.peer.role, remote };
    const sets = new Map<number, SetInstance>();
    this.#conns.add(conn);
    this.#stats.acceptedTotal++;
    this.#o.onPeerChange?.(peer, true);
    // Messages of one connection are handled strictly in order: an ack must
    // never overtake the store of an earlier frame.
    let chain: Promise<void> = Promise.resolve();
    conn.onMessage((m) => {
      chain = chain
        .then(() => this.#handle(conn, peer, sets, m))
        .catch((err: unknown) => {
          this.#o.logger.error('ingest failed; closing peer', {
            peer: peer.name,
            error: toError(err),
          });
          conn.close(toError(err));
        });
    });
    conn.onClose((err) => {
      this.#conns.delete(conn);
      this.#o.onPeerChange?.(peer, false);
      if (err) this.#o.logger.warn('peer disconnected', { peer: peer.name, remote, error: err });
    });
  }

  async #handle(
    conn: WireConnection,
    peer: PeerInfo,
    sets: Map<number, SetInstance>,
    m: Message,
  ): Promise<void> {
    switch (m.type) {
      case 'schema':
        sets.set(m.setId, m.set);
        return;
      case 'data': {
        const batch: ReceivedSample[] = [];
        for (const e of m.entries) {
          const set = sets.get(e.setId);
          if (set) batch.push({ set, sample: e.sample });
          else this.#stats.unknownSetEntries++;
        }
        this.#stats.unknownSetEntries += m.unknownSetIds?.length ?? 0;
        this.#stats.framesIn++;
        this.#stats.samplesIn += batch.length;
        if (batch.length > 0) await this.#o.onSamples(peer, batch);
        conn.sendAck(m.seq);
        return;
      }
      case 'control':
        this.#o.onControl?.(peer, m.body, conn);
        return;
      default:
        return;
    }
  }
}
