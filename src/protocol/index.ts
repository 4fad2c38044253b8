export { ProtocolError, PROTOCOL_ERROR_CODES, isProtocolErrorCode } from './errors.js';
export type { ProtocolErrorCode, ProtocolErrorContext } from './errors.js';
export { DEFAULT_PROTOCOL_LIMITS, resolveLimits } from './limits.js';
export type { ProtocolLimits } from './limits.js';
export {
  MESSAGE_TYPES,
  PEER_ROLES,
  AUTH_MODES,
  NONCE_BYTES,
  PROOF_BYTES,
  messageTypeOf,
} from './messages.js';
export type {
  MessageType,
  MessageCode,
  PeerRole,
  AuthMode,
  JsonValue,
  Message,
  HelloMessage,
  ChallengeMessage,
  AuthMessage,
  AuthOkMessage,
  ErrorMessage,
  SchemaMessage,
  SchemaRequestMessage,
  DataEntry,
  DataMessage,
  AckMessage,
  SummaryMessage,
  ControlMessage,
} from './messages.js';
export { FRAME_HEADER_BYTES, PROTOCOL_VERSION, parseHeader } from './frame.js';
export type { FrameHeader } from './frame.js';
export { FrameEncoder } from './encoder.js';
export { FrameDecoder } from './decoder.js';
export { MAX_SET_ID, isSetId } from './schema-codec.js';
export { computeProof, isLoopbackAddress } from './handshake.js';
export type { AuthConfig, PeerInfo, ProofInputs } from './handshake.js';
export { WireConnection } from './connection.js';
export type { ConnectionState, WireConnectionOptions } from './connection.js';
export {
  connectWire,
  connectWireStream,
  acceptWire,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
} from './connect.js';
export type { ConnectWireOptions, WireClientOptions, AcceptWireOptions } from './connect.js';
