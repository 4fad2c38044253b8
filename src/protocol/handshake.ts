import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MODEL_LIMITS } from '../model/index.js';
import type { FrameEncoder } from './encoder.js';
import { ProtocolError, isProtocolErrorCode } from './errors.js';
import { PROTOCOL_VERSION } from './frame.js';
import { NONCE_BYTES } from './messages.js';
import type { AuthMode, ErrorMessage, Message, PeerRole } from './messages.js';

/** How this side authenticates: no secret (loopback only on a server), or the shared cluster secret. */
export type AuthConfig =
  { readonly mode: 'none' } | { readonly mode: 'secret'; readonly secret: string | Uint8Array };

/** Who is on the other end, once the handshake is done. */
export interface PeerInfo {
  readonly name: string;
  readonly role: PeerRole;
}

/** What a handshake step asks the connection to do. */
export interface HandshakeStep {
  readonly send: readonly Uint8Array[];
  /** Set when the handshake completed. */
  readonly peer?: PeerInfo;
}

/** Inputs bound into both proofs. */
export interface ProofInputs {
  readonly clientNonce: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly clientName: string;
  readonly serverName: string;
}

const PROOF_LABELS = { client: 'canopy-v1 client', server: 'canopy-v1 server' } as const;

/** 32 random bytes from the CSPRNG. */
export function newNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

function u16le(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, n >>> 8);
}

/**
 * HMAC-SHA256(secret, label ‖ clientNonce ‖ serverNonce ‖ u16le(len) ‖ clientName ‖
 * u16le(len) ‖ serverName). The labels differ per side so a proof can never
 * be reflected back; the length prefixes keep name boundaries unambiguous.
 */
export function computeProof(
  side: 'client' | 'server',
  secret: string | Uint8Array,
  p: ProofInputs,
): Uint8Array {
  const clientName = Buffer.from(p.clientName, 'utf8');
  const serverName = Buffer.from(p.serverName, 'utf8');
  const h = createHmac('sha256', secret);
  h.update(PROOF_LABELS[side]);
  h.update(p.clientNonce);
  h.update(p.serverNonce);
  h.update(u16le(clientName.length));
  h.update(clientName);
  h.update(u16le(serverName.length));
  h.update(serverName);
  return new Uint8Array(h.digest());
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(received: Uint8Array, expected: Uint8Array): boolean {
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x. An absent address (pipe, in-process stream) is local. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return true;
  const a = address.toLowerCase();
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Validate an AuthConfig supplied by the caller. */
export function checkAuthConfig(auth: AuthConfig): void {
  if (auth.mode === 'secret' && auth.secret.length === 0) {
    throw new ProtocolError('CANOPY_ERR_INVALID_ARGUMENT', 'auth secret must not be empty');
  }
  if (auth.mode !== 'secret' && auth.mode !== 'none') {
    throw new ProtocolError(
      'CANOPY_ERR_INVALID_ARGUMENT',
      `unknown auth mode ${String((auth as { mode: unknown }).mode)}`,
    );
  }
}

/** Names travel in every proof: non-empty and at most one token long. */
export function checkPeerName(name: string, whose: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > MODEL_LIMITS.maxTokenBytes) {
    throw new ProtocolError(
      'CANOPY_ERR_INVALID_ARGUMENT',
      `${whose} name must be 1..${MODEL_LIMITS.maxTokenBytes} bytes`,
    );
  }
}

/** The error a peer reported, as a local ProtocolError (unknown codes become CANOPY_ERR_PEER_ERROR). */
export function remoteError(m: ErrorMessage, peerName: string): ProtocolError {
  const code = isProtocolErrorCode(m.code) ? m.code : 'CANOPY_ERR_PEER_ERROR';
  return new ProtocolError(
    code,
    `peer ${peerName || '(unknown)'} reported ${m.code}: ${m.message}`,
    {
      messageType: 'error',
      remote: true,
    },
  );
}

function unexpected(m: Message, expected: string): ProtocolError {
  return new ProtocolError(
    'CANOPY_ERR_UNEXPECTED_MESSAGE',
    `handshake expected ${expected}, got ${m.type}`,
    {
      messageType: m.type,
    },
  );
}

/** Client side: hello → (challenge) → auth → (auth-ok, server proof verified). */
export class ClientHandshake {
  readonly #enc: FrameEncoder;
  readonly #role: PeerRole;
  readonly #name: string;
  readonly #auth: AuthConfig;
  readonly #nonce = newNonce();
  #state: 'start' | 'hello-sent' | 'auth-sent' | 'done' = 'start';
  #inputs: ProofInputs | undefined;
  #server: PeerInfo | undefined;

  constructor(enc: FrameEncoder, opts: { role: PeerRole; name: string; auth: AuthConfig }) {
    checkPeerName(opts.name, 'client');
    checkAuthConfig(opts.auth);
    this.#enc = enc;
    this.#role = opts.role;
    this.#name = opts.name;
    this.#auth = opts.auth;
  }

  start(): HandshakeStep {
    this.#state = 'hello-sent';
    const authMode: AuthMode = this.#auth.mode;
    const hello = {
      version: PROTOCOL_VERSION,
      role: this.#role,
      name: this.#name,
      nonce: this.#nonce,
      authMode,
    };
    return { send: [this.#enc.hello(hello)] };
  }

  receive(m: Message): HandshakeStep {
    if (m.type === 'error') throw remoteError(m, this.#server?.name ?? '');
    if (this.#state === 'hello-sent' && m.type === 'challenge') {
      this.#server = { name: m.name, role: m.role };
      this.#inputs = {
        clientNonce: this.#nonce,
        serverNonce: m.nonce,
        clientName: this.#name,
        serverName: m.name,
      };
      const proof =
        this.#auth.mode === 'secret'
          ? computeProof('client', this.#auth.secret, this.#inputs)
          : new Uint8Array(0);
      this.#state = 'auth-sent';
      return { send: [this.#enc.auth(proof)] };
    }
    if (this.#state === 'auth-sent' && m.type === 'auth-ok') {
      if (this.#auth.mode === 'secret') {
        const expected = computeProof('server', this.#auth.secret, this.#inputs!);
        if (!proofMatches(m.proof, expected)) {
          throw new ProtocolError(
            'CANOPY_ERR_AUTH_FAILED',
            `server ${this.#server!.name} failed to prove it knows the secret`,
          );
        }
      }
      this.#state = 'done';
      return { send: [], peer: this.#server! };
    }
    throw unexpected(m, this.#state === 'hello-sent' ? 'challenge' : 'auth-ok');
  }
}

/** Server side: (hello) → challenge → (auth, client proof verified) → auth-ok. */
export class ServerHandshake {
  readonly #enc: FrameEncoder;
  readonly #role: PeerRole;
  readonly #name: string;
  readonly #auth: AuthConfig;
  readonly #nonce = newNonce();
  #state: 'wait-hello' | 'wait-auth' | 'done' = 'wait-hello';
  #inputs: ProofInputs | undefined;
  #client: PeerInfo | undefined;

  constructor(enc: FrameEncoder, opts: { role: PeerRole; name: string; auth: AuthConfig }) {
    checkPeerName(opts.name, 'server');
    checkAuthConfig(opts.auth);
    this.#enc = enc;
    this.#role = opts.role;
    this.#name = opts.name;
    this.#auth = opts.auth;
  }

  start(): HandshakeStep {
    return { send: [] };
  }

  receive(m: Message): HandshakeStep {
    if (m.type === 'error') throw remoteError(m, this.#client?.name ?? '');
    if (this.#state === 'wait-hello' && m.type === 'hello') {
      // hello.version is the highest version the client speaks; this server answers in v1.
      if (m.version < PROTOCOL_VERSION) {
        throw new ProtocolError(
          'CANOPY_ERR_UNSUPPORTED_VERSION',
          `client hello version ${m.version}, server speaks ${PROTOCOL_VERSION}`,
        );
      }
      checkAuthModes(this.#auth.mode, m.authMode, m.name);
      try {
        checkPeerName(m.name, 'client');
      } catch (err) {
        throw new ProtocolError('CANOPY_ERR_MALFORMED_FRAME', `hello: ${String(err)}`, {
          messageType: 'hello',
        });
      }
      this.#client = { name: m.name, role: m.role };
      this.#inputs = {
        clientNonce: m.nonce,
        serverNonce: this.#nonce,
        clientName: m.name,
        serverName: this.#name,
      };
      this.#state = 'wait-auth';
      return {
        send: [this.#enc.challenge({ role: this.#role, name: this.#name, nonce: this.#nonce })],
      };
    }
    if (this.#state === 'wait-auth' && m.type === 'auth') {
      let proof: Uint8Array = new Uint8Array(0);
      if (this.#auth.mode === 'secret') {
        const expected = computeProof('client', this.#auth.secret, this.#inputs!);
        if (!proofMatches(m.proof, expected)) {
          throw new ProtocolError(
            'CANOPY_ERR_AUTH_FAILED',
            `client ${this.#client!.name} failed to prove it knows the secret`,
          );
        }
        proof = computeProof('server', this.#auth.secret, this.#inputs!);
      }
      this.#state = 'done';
      return { send: [this.#enc.authOk(proof)], peer: this.#client! };
    }
    throw unexpected(m, this.#state === 'wait-hello' ? 'hello' : 'auth');
  }
}

function checkAuthModes(server: AuthMode, client: AuthMode, clientName: string): void {
  if (server === 'secret' && client === 'none') {
    throw new ProtocolError(
      'CANOPY_ERR_AUTH_REQUIRED',
      `client ${clientName} offered no secret; this server requires one`,
    );
  }
  if (server === 'none' && client === 'secret') {
    throw new ProtocolError(
      'CANOPY_ERR_AUTH_FAILED',
      `client ${clientName} uses a secret; this server has none configured`,
    );
  }
}
