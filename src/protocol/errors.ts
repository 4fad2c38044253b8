import { CanopyError } from '../common/index.js';

/**
 * Every code a ProtocolError can carry, with a one-line meaning. The same
 * table is documented in docs/protocol.md (a test checks they agree), and the
 * codes are stable: peers send them to each other in `error` messages.
 */
export const PROTOCOL_ERROR_CODES = {
  CANOPY_ERR_FRAME_TOO_LARGE: 'a frame length field exceeds maxFrameBytes',
  CANOPY_ERR_BAD_MAGIC: 'the stream does not start a frame with the Canopy magic bytes',
  CANOPY_ERR_UNSUPPORTED_VERSION: 'a frame or hello carries a protocol version other than 1',
  CANOPY_ERR_UNKNOWN_MESSAGE: 'a frame carries a message type code that v1 does not define',
  CANOPY_ERR_MALFORMED_FRAME: 'a payload does not follow the layout of its message type',
  CANOPY_ERR_TOO_MANY_SETS: 'a data frame holds more entries than maxSetsPerFrame',
  CANOPY_ERR_TOO_MANY_METRICS: 'a schema holds more metrics than maxMetricsPerSet',
  CANOPY_ERR_TOO_MANY_SCHEMAS: 'a connection declared more distinct set ids than maxSchemas',
  CANOPY_ERR_TOO_MANY_VALUES: 'a data frame holds more values than maxValuesPerFrame',
  CANOPY_ERR_STRING_TOO_LONG: 'a string on the wire is longer than maxStringBytes',
  CANOPY_ERR_INVALID_SCHEMA_MSG: 'a schema message describes an invalid set instance',
  CANOPY_ERR_AUTH_FAILED: 'a handshake proof did not verify, or the auth modes disagree',
  CANOPY_ERR_AUTH_REQUIRED: 'the server requires a secret, or refuses unauthenticated remote peers',
  CANOPY_ERR_UNEXPECTED_MESSAGE: 'a message arrived in a connection state where it is not allowed',
  CANOPY_ERR_UNKNOWN_SET: 'data was sent for a set id whose schema was not sent on this connection',
  CANOPY_ERR_INVALID_ARGUMENT: 'a local caller passed a value the protocol cannot encode',
  CANOPY_ERR_CONNECT_FAILED: 'the TCP connection could not be opened (retryable)',
  CANOPY_ERR_CONNECT_TIMEOUT: 'the TCP connection did not open within connectTimeoutMs (retryable)',
  CANOPY_ERR_HANDSHAKE_TIMEOUT:
    'the handshake did not finish within handshakeTimeoutMs (retryable)',
  CANOPY_ERR_CONNECTION_CLOSED: 'the connection closed or failed before the operation (retryable)',
  CANOPY_ERR_PEER_ERROR: 'the peer reported an error whose code this side does not know',
  CANOPY_ERR_HANDLER_FAILED: 'a local onMessage handler threw; the connection was closed',
} as const;

/** A stable protocol error code. */
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERROR_CODES;

const RETRYABLE: ReadonlySet<ProtocolErrorCode> = new Set<ProtocolErrorCode>([
  'CANOPY_ERR_CONNECT_FAILED',
  'CANOPY_ERR_CONNECT_TIMEOUT',
  'CANOPY_ERR_HANDSHAKE_TIMEOUT',
  'CANOPY_ERR_CONNECTION_CLOSED',
]);

/** Where in a stream an error was found, so the message can name it. */
export interface ProtocolErrorContext {
  /** Message type being decoded, e.g. `data`. */
  readonly messageType?: string;
  /** Byte offset in the connection's inbound stream. */
  readonly offset?: number;
  /** True when the peer reported this error in an `error` message. */
  readonly remote?: boolean;
  readonly cause?: unknown;
}

/** True when `code` is one of the protocol's own codes. */
export function isProtocolErrorCode(code: string): code is ProtocolErrorCode {
  return Object.prototype.hasOwnProperty.call(PROTOCOL_ERROR_CODES, code);
}

/**
 * An error of the wire protocol: bad input from a peer, a failed handshake,
 * a lost connection, or a local misuse of the encoder. `code` is stable.
 */
export class ProtocolError extends CanopyError {
  declare readonly code: ProtocolErrorCode;
  readonly messageType: string | undefined;
  readonly offset: number | undefined;
  readonly remote: boolean;

  constructor(code: ProtocolErrorCode, message: string, context: ProtocolErrorContext = {}) {
    super(code, message, { cause: context.cause, retryable: RETRYABLE.has(code) });
    this.name = 'ProtocolError';
    this.messageType = context.messageType;
    this.offset = context.offset;
    this.remote = context.remote ?? false;
  }
}
