import { validateSetInstance } from '../model/index.js';
import type { SetInstance } from '../model/index.js';
import { ByteWriter } from './byte-writer.js';
import { ProtocolError } from './errors.js';
import { beginFrame, endFrame } from './frame.js';
import { resolveLimits } from './limits.js';
import type { ProtocolLimits } from './limits.js';
import { AUTH_MODES, NONCE_BYTES, PEER_ROLES, PROOF_BYTES } from './messages.js';
import type {
  ChallengeMessage,
  DataEntry,
  HelloMessage,
  JsonValue,
  Message,
  MessageType,
} from './messages.js';
import { isSetId } from './schema-codec.js';
import { writeSetInstance } from './schema-codec.js';
import { ValueEncoder } from './value-encoder.js';

const utf8 = new TextEncoder();

/**
 * Encodes frames for one connection. Stateful: it remembers the schema of
 * each set id it encoded and the previous sample of each set, so data frames
 * carry only changes. Every method returns a fresh Uint8Array holding one
 * whole frame (header + payload).
 */
export class FrameEncoder {
  readonly limits: ProtocolLimits;
  readonly #w = new ByteWriter(4096);
  readonly #values: ValueEncoder;
  readonly #schemas = new Map<number, SetInstance>();

  constructor(limits: Partial<ProtocolLimits> = {}) {
    this.limits = resolveLimits(limits);
    this.#values = new ValueEncoder(this.limits.maxStringBytes);
  }

  /** The set last declared under `setId` on this connection. */
  schemaOf(setId: number): SetInstance | undefined {
    return this.#schemas.get(setId);
  }

  /** Make the next data entry of `setId` a keyframe. */
  forceKeyframe(setId: number): void {
    this.#values.forceKeyframe(setId);
  }

  hello(m: Omit<HelloMessage, 'type'>): Uint8Array {
    return this.#frame('hello', (w) => {
      if (m.version < 0 || m.version > 255 || !Number.isInteger(m.version))
        badArg(`hello version ${m.version}`);
      w.u8(m.version);
      w.u8(indexOf(PEER_ROLES, m.role, 'role'));
      w.u8(indexOf(AUTH_MODES, m.authMode, 'auth mode'));
      w.bytes(fixed(m.nonce, NONCE_BYTES, 'nonce'));
      w.string(m.name, this.limits.maxStringBytes, 'hello name');
    });
  }

  challenge(m: Omit<ChallengeMessage, 'type'>): Uint8Array {
    return this.#frame('challenge', (w) => {
      w.u8(indexOf(PEER_ROLES, m.role, 'role'));
      w.bytes(fixed(m.nonce, NONCE_BYTES, 'nonce'));
      w.string(m.name, this.limits.maxStringBytes, 'challenge name');
    });
  }

  /** Client proof; an empty proof in auth mode none. */
  auth(proof: Uint8Array): Uint8Array {
    return this.#frame('auth', (w) => writeProof(w, proof));
  }

  /** Server proof; an empty proof in auth mode none. */
  authOk(proof: Uint8Array): Uint8Array {
    return this.#frame('auth-ok', (w) => writeProof(w, proof));
  }

  /** A fatal error report; an over-long message is cut to fit maxStringBytes. */
  error(code: string, message: string): Uint8Array {
    const max = this.limits.maxStringBytes;
    // Error text is informational: replace what UTF-8 cannot carry rather than fail to report.
    const text = truncateUtf8(message.replace(/\p{Cs}/gu, '\uFFFD'), max);
    return this.#frame('error', (w) => {
      w.string(code, max, 'error code');
      w.string(text, max, 'error message');
    });
  }

  /** Declare a set; its next data entry is a keyframe. */
  schema(setId: number, set: SetInstance): Uint8Array {
    if (!isSetId(setId)) badArg(`set id ${setId} is not a u32`);
    try {
      validateSetInstance(set);
    } catch (err) {
      throw new ProtocolError('CANOPY_ERR_INVALID_ARGUMENT', `set id ${setId}: ${String(err)}`, {
        cause: err,
      });
    }
    if (!this.#schemas.has(setId) && this.#schemas.size >= this.limits.maxSchemas) {
      throw new ProtocolError(
        'CANOPY_ERR_TOO_MANY_SCHEMAS',
        `set id ${setId}: connection already declared maxSchemas ${this.limits.maxSchemas} sets`,
      );
    }
    const frame = this.#frame('schema', (w) => {
      w.varint(setId);
      writeSetInstance(w, set, this.limits);
    });
    this.#schemas.set(setId, set);
    this.#values.define(setId, set.schema);
    return frame;
  }

  schemaRequest(setIds: readonly number[]): Uint8Array {
    if (setIds.length > this.limits.maxSchemas) badArg(`${setIds.length} set ids in one request`);
    return this.#frame('schema-request', (w) => {
      w.varint(setIds.length);
      for (const id of setIds) {
        if (!isSetId(id)) badArg(`set id ${id} is not a u32`);
        w.varint(id);
      }
    });
  }

  /**
   * Samples of many sets. Throws CANOPY_ERR_UNKNOWN_SET for a set id whose
   * schema was not encoded first. If encoding fails part way, every set of
   * the frame falls back to a keyframe, since the peer will never see it.
   */
  data(seq: number, entries: readonly DataEntry[]): Uint8Array {
    checkSeq(seq);
    if (entries.length > this.limits.maxSetsPerFrame) {
      throw new ProtocolError(
        'CANOPY_ERR_TOO_MANY_SETS',
        `${entries.length} entries exceeds maxSetsPerFrame ${this.limits.maxSetsPerFrame}`,
      );
    }
    let values = 0;
    for (const e of entries) values += this.#values.metricCount(e.setId);
    if (values > this.limits.maxValuesPerFrame) {
      throw new ProtocolError(
        'CANOPY_ERR_TOO_MANY_VALUES',
        `${values} values exceeds maxValuesPerFrame ${this.limits.maxValuesPerFrame}`,
      );
    }
    try {
      return this.#frame('data', (w) => {
        w.u64le(seq);
        w.varint(entries.length);
        for (const e of entries) this.#values.encodeEntry(w, e.setId, e.sample);
      });
    } catch (err) {
      for (const e of entries) this.#values.forceKeyframe(e.setId);
      throw err;
    }
  }

  ack(seq: number): Uint8Array {
    checkSeq(seq);
    return this.#frame('ack', (w) => w.u64le(seq));
  }

  summary(body: JsonValue): Uint8Array {
    return this.#frame('summary', (w) => w.bytes(jsonBytes(body)));
  }

  control(body: JsonValue): Uint8Array {
    return this.#frame('control', (w) => w.bytes(jsonBytes(body)));
  }

  /** Encode any message (the data message's unknownSetIds is receive-side only and ignored). */
  encode(m: Message): Uint8Array {
    switch (m.type) {
      case 'hello':
        return this.hello(m);
      case 'challenge':
        return this.challenge(m);
      case 'auth':
        return this.auth(m.proof);
      case 'auth-ok':
        return this.authOk(m.proof);
      case 'error':
        return this.error(m.code, m.message);
      case 'schema':
        return this.schema(m.setId, m.set);
      case 'schema-request':
        return this.schemaRequest(m.setIds);
      case 'data':
        return this.data(m.seq, m.entries);
      case 'ack':
        return this.ack(m.seq);
      case 'summary':
        return this.summary(m.body);
      case 'control':
        return this.control(m.body);
    }
  }

  #frame(type: MessageType, write: (w: ByteWriter) => void): Uint8Array {
    const w = this.#w;
    w.reset();
    const start = beginFrame(w, type);
    write(w);
    endFrame(w, start, type, this.limits);
    return w.toBytes();
  }
}

function badArg(what: string): never {
  throw new ProtocolError('CANOPY_ERR_INVALID_ARGUMENT', what);
}

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0)
    badArg(`seq ${seq} is not a safe non-negative integer`);
}

function indexOf<T extends string>(table: readonly T[], value: T, what: string): number {
  const i = table.indexOf(value);
  if (i < 0) badArg(`unknown ${what} ${String(value)}`);
  return i;
}

function fixed(bytes: Uint8Array, n: number, what: string): Uint8Array {
  if (bytes.length !== n) badArg(`${what} must be ${n} bytes, got ${bytes.length}`);
  return bytes;
}

function writeProof(w: ByteWriter, proof: Uint8Array): void {
  if (proof.length !== 0 && proof.length !== PROOF_BYTES)
    badArg(`proof must be 0 or ${PROOF_BYTES} bytes`);
  w.u8(proof.length);
  w.bytes(proof);
}

function jsonBytes(body: JsonValue): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(body) as string | undefined;
  } catch (err) {
    throw new ProtocolError('CANOPY_ERR_INVALID_ARGUMENT', `body is not JSON: ${String(err)}`, {
      cause: err,
    });
  }
  if (text === undefined) badArg('body is not a JSON value');
  return utf8.encode(text);
}

/** Cut `s` so its UTF-8 form fits `maxBytes`, never splitting a character. */
function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  let out = s;
  while (utf8.encode(out).length > maxBytes)
    out = [...out].slice(0, -Math.max(1, out.length >> 4)).join('');
  return out;
}
