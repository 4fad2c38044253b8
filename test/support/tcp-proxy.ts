/**
 * A loopback TCP proxy for fault tests: sits between two daemons and can cut
 * every connection, or pause traffic (refusing new connections and holding
 * bytes) and resume it.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { listenOn } from '../../src/common/index.js';

export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #paused = false;
  port = 0;
  connections = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((client) => this.#onClient(client));
  }

  async listen(): Promise<number> {
    this.port = (await listenOn(this.#server, 0, '127.0.0.1')).port;
    return this.port;
  }

  #onClient(client: Socket): void {
    if (this.#paused) {
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = connect(this.#target);
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Destroy every open connection at once (both directions), as a cable cut would. */
  cutAll(): number {
    const n = this.#pairs.size;
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
    return n;
  }

  /** Refuse new connections and cut the open ones until `resume()`. */
  pause(): void {
    this.#paused = true;
    this.cutAll();
  }

  resume(): void {
    this.#paused = false;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
