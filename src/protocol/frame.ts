import { ProtocolError } from './errors.js';
import type { ProtocolLimits } from './limits.js';
import { MESSAGE_TYPES, messageTypeOf } from './messages.js';
import type { MessageType } from './messages.js';
import type { ByteWriter } from './byte-writer.js';

/**
 * Frame header layout (10 bytes, little-endian):
 *
 * | offset | size | field                                   |
 * | 0      | 2    | magic 0x43 0x4E ("CN")                  |
 * | 2      | 1    | protocol version (1)                    |
 * | 3      | 1    | message type code (MESSAGE_TYPES)       |
 * | 4      | 2    | flags, u16; no flag is defined in v1: 0 |
 * | 6      | 4    | payload length, u32                     |
 */
export const FRAME_HEADER_BYTES = 10;
export const FRAME_MAGIC_0 = 0x43;
export const FRAME_MAGIC_1 = 0x4e;
/** The only version this implementation speaks. */
export const PROTOCOL_VERSION = 1;

/** A parsed, validated frame header. */
export interface FrameHeader {
  readonly type: MessageType;
  readonly payloadBytes: number;
}

/** Start a frame in `w`; returns the position to pass to endFrame. */
export function beginFrame(w: ByteWriter, type: MessageType): number {
  const start = w.pos;
  w.u8(FRAME_MAGIC_0);
  w.u8(FRAME_MAGIC_1);
  w.u8(PROTOCOL_VERSION);
  w.u8(MESSAGE_TYPES[type]);
  w.u16le(0);
  w.u32le(0);
  return start;
}

/** Patch the payload length, refusing a frame the peer would reject. */
export function endFrame(
  w: ByteWriter,
  start: number,
  type: MessageType,
  limits: ProtocolLimits,
): void {
  const payloadBytes = w.pos - start - FRAME_HEADER_BYTES;
  if (payloadBytes > limits.maxFrameBytes) {
    throw new ProtocolError(
      'CANOPY_ERR_FRAME_TOO_LARGE',
      `${type} frame payload of ${payloadBytes} bytes exceeds maxFrameBytes ${limits.maxFrameBytes}`,
      { messageType: type },
    );
  }
  w.patchU32le(start + FRAME_HEADER_BYTES - 4, payloadBytes);
}

function headerError(
  code: ConstructorParameters<typeof ProtocolError>[0],
  what: string,
  offset: number,
): ProtocolError {
  return new ProtocolError(code, `frame header at stream offset ${offset}: ${what}`, { offset });
}

/**
 * Validate a complete 10-byte header. The length is checked against
 * maxFrameBytes here, before the decoder allocates the payload buffer.
 */
export function parseHeader(h: Uint8Array, offset: number, limits: ProtocolLimits): FrameHeader {
  if (h[0] !== FRAME_MAGIC_0 || h[1] !== FRAME_MAGIC_1) {
    throw headerError('CANOPY_ERR_BAD_MAGIC', `bad magic 0x${hex(h[0])}${hex(h[1])}`, offset);
  }
  if (h[2] !== PROTOCOL_VERSION) {
    throw headerError(
      'CANOPY_ERR_UNSUPPORTED_VERSION',
      `version ${h[2]} (this side speaks ${PROTOCOL_VERSION})`,
      offset + 2,
    );
  }
  const type = messageTypeOf(h[3]!);
  if (type === undefined) {
    throw headerError(
      'CANOPY_ERR_UNKNOWN_MESSAGE',
      `unknown message type 0x${hex(h[3])}`,
      offset + 3,
    );
  }
  if (h[4] !== 0 || h[5] !== 0) {
    throw headerError(
      'CANOPY_ERR_MALFORMED_FRAME',
      `reserved flags set on ${type} frame`,
      offset + 4,
    );
  }
  const payloadBytes = (h[6]! | (h[7]! << 8) | (h[8]! << 16) | (h[9]! << 24)) >>> 0;
  if (payloadBytes > limits.maxFrameBytes) {
    throw new ProtocolError(
      'CANOPY_ERR_FRAME_TOO_LARGE',
      `frame header at stream offset ${offset}: ${type} payload of ${payloadBytes} bytes exceeds maxFrameBytes ${limits.maxFrameBytes}`,
      { messageType: type, offset: offset + 6 },
    );
  }
  return { type, payloadBytes };
}

function hex(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0');
}
