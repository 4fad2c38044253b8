import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { systemClock } from '../common/index.js';
import type { Clock } from '../common/index.js';
import { WireConnection } from './connection.js';
import type { WireConnectionOptions } from './connection.js';
import { ProtocolError } from './errors.js';
import {
  ClientHandshake,
  ServerHandshake,
  checkAuthConfig,
  checkPeerName,
  isLoopbackAddress,
} from './handshake.js';
import type { AuthConfig } from './handshake.js';
import type { PeerRole } from './messages.js';

/** Default time allowed for a TCP connect and for a handshake. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Client side of a handshake over an already open stream. */
export interface WireClientOptions extends WireConnectionOptions {
  readonly role: PeerRole;
  readonly name: string;
  readonly auth: AuthConfig;
  readonly handshakeTimeoutMs?: number;
}

/** Client options for a TCP connection. */
export interface ConnectWireOptions extends WireClientOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs?: number;
}

/** Server side of a handshake. */
export interface AcceptWireOptions extends WireConnectionOptions {
  readonly name: string;
  readonly auth: AuthConfig;
  /** Role this side announces; default `aggregator`. */
  readonly role?: PeerRole;
  readonly handshakeTimeoutMs?: number;
}

/**
 * Open a TCP connection and run the client handshake (hello → challenge →
 * auth → auth-ok, verifying the server's proof). Connection failures and
 * timeouts reject with retryable ProtocolErrors.
 */
export async function connectWire(opts: ConnectWireOptions): Promise<WireConnection> {
  const socket = await openSocket(
    opts.host,
    opts.port,
    opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    opts.clock ?? systemClock,
  );
  socket.setNoDelay(true);
  return connectWireStream(socket, opts);
}

/** Run the client handshake over any Duplex (TLS socket, in-process pair). */
export async function connectWireStream(
  stream: Duplex,
  opts: WireClientOptions,
): Promise<WireConnection> {
  try {
    checkPeerName(opts.name, 'client');
    checkAuthConfig(opts.auth);
  } catch (err) {
    stream.destroy();
    throw err;
  }
  const conn = new WireConnection(stream, options(opts));
  await conn.startHandshake(
    (enc) => new ClientHandshake(enc, opts),
    opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
  );
  return conn;
}

/**
 * Run the server handshake on an accepted stream. With `auth: none`, a peer
 * whose remote address is not loopback is refused with
 * CANOPY_ERR_AUTH_REQUIRED before any handshake message is read.
 */
export async function acceptWire(stream: Duplex, opts: AcceptWireOptions): Promise<WireConnection> {
  checkPeerName(opts.name, 'server');
  checkAuthConfig(opts.auth);
  const conn = new WireConnection(stream, options(opts));
  const remote = (stream as Partial<Socket>).remoteAddress;
  if (opts.auth.mode === 'none' && !isLoopbackAddress(remote)) {
    const err = new ProtocolError(
      'CANOPY_ERR_AUTH_REQUIRED',
      `remote ${String(remote)} is not loopback and this server has no secret configured`,
    );
    conn.close(err);
    throw err;
  }
  const role = opts.role ?? 'aggregator';
  await conn.startHandshake(
    (enc) => new ServerHandshake(enc, { role, name: opts.name, auth: opts.auth }),
    opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
  );
  return conn;
}

function options(opts: WireConnectionOptions): WireConnectionOptions {
  return {
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  };
}

function openSocket(host: string, port: number, timeoutMs: number, clock: Clock): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = clock.setTimeout(() => {
      socket.destroy();
      reject(
        new ProtocolError(
          'CANOPY_ERR_CONNECT_TIMEOUT',
          `connect to ${host}:${port} timed out after ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      timer.cancel();
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      timer.cancel();
      socket.destroy();
      reject(
        new ProtocolError(
          'CANOPY_ERR_CONNECT_FAILED',
          `connect to ${host}:${port} failed: ${err.message}`,
          { cause: err },
        ),
      );
    };
    socket.once('error', onError);
  });
}
