import type { SetInstance, SetSample } from '../model/index.js';

/**
 * Message type names and their one-byte codes in the frame header. Codes
 * are stable for the life of protocol v1; a new message needs a new version.
 */
export const MESSAGE_TYPES = {
  hello: 0x01,
  challenge: 0x02,
  auth: 0x03,
  'auth-ok': 0x04,
  error: 0x05,
  schema: 0x10,
  'schema-request': 0x11,
  data: 0x12,
  ack: 0x13,
  summary: 0x14,
  control: 0x20,
} as const;

export type MessageType = keyof typeof MESSAGE_TYPES;
export type MessageCode = (typeof MESSAGE_TYPES)[MessageType];

/** What a peer is: a host daemon, an aggregator, or a one-off `canopy put` client. */
export const PEER_ROLES = ['sampler', 'aggregator', 'client'] as const;
export type PeerRole = (typeof PEER_ROLES)[number];

/** How a peer proves it knows the cluster secret. */
export const AUTH_MODES = ['none', 'secret'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Any value JSON can carry, for control and summary bodies. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Bytes of a handshake nonce. */
export const NONCE_BYTES = 32;
/** Bytes of an HMAC-SHA256 proof. */
export const PROOF_BYTES = 32;

/** First message of a connection, client to server. */
export interface HelloMessage {
  readonly type: 'hello';
  readonly version: number;
  readonly role: PeerRole;
  readonly name: string;
  readonly nonce: Uint8Array;
  readonly authMode: AuthMode;
}

/** Server's answer to hello: its name, role and nonce. */
export interface ChallengeMessage {
  readonly type: 'challenge';
  readonly role: PeerRole;
  readonly name: string;
  readonly nonce: Uint8Array;
}

/** Client's proof (empty in auth mode none). */
export interface AuthMessage {
  readonly type: 'auth';
  readonly proof: Uint8Array;
}

/** Server's proof, so the client authenticates the server too (empty in auth mode none). */
export interface AuthOkMessage {
  readonly type: 'auth-ok';
  readonly proof: Uint8Array;
}

/** A fatal error; the sender closes the connection after it. */
export interface ErrorMessage {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
}

/** Declares (or re-declares) the set behind a set id on this connection. */
export interface SchemaMessage {
  readonly type: 'schema';
  readonly setId: number;
  readonly set: SetInstance;
}

/** Asks the peer to re-send the schemas of these set ids. */
export interface SchemaRequestMessage {
  readonly type: 'schema-request';
  readonly setIds: readonly number[];
}

/** One set's sample inside a data frame. */
export interface DataEntry {
  readonly setId: number;
  readonly sample: SetSample;
}

/**
 * Samples of many sets. `unknownSetIds` lists entries the receiver skipped
 * because it holds no schema (or no keyframe) for them; empty when sending.
 */
export interface DataMessage {
  readonly type: 'data';
  readonly seq: number;
  readonly entries: readonly DataEntry[];
  readonly unknownSetIds: readonly number[];
}

/** Cumulative acknowledgement: every data frame up to `seq` has been stored. */
export interface AckMessage {
  readonly type: 'ack';
  readonly seq: number;
}

/** Provisional summary message: a JSON body until v2 defines a binary layout. */
export interface SummaryMessage {
  readonly type: 'summary';
  readonly body: JsonValue;
}

/** Runtime changes and other rare commands, as JSON. */
export interface ControlMessage {
  readonly type: 'control';
  readonly body: JsonValue;
}

/** Every message of protocol v1. */
export type Message =
  | HelloMessage
  | ChallengeMessage
  | AuthMessage
  | AuthOkMessage
  | ErrorMessage
  | SchemaMessage
  | SchemaRequestMessage
  | DataMessage
  | AckMessage
  | SummaryMessage
  | ControlMessage;

const TYPE_BY_CODE: ReadonlyMap<number, MessageType> = new Map(
  Object.entries(MESSAGE_TYPES).map(([name, code]) => [code, name as MessageType]),
);

/** The message type of a header code, or undefined when v1 does not define it. */
export function messageTypeOf(code: number): MessageType | undefined {
  return TYPE_BY_CODE.get(code);
}
