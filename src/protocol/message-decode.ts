import type { ByteReader } from './byte-reader.js';
import type { ProtocolLimits } from './limits.js';
import { AUTH_MODES, NONCE_BYTES, PEER_ROLES, PROOF_BYTES } from './messages.js';
import type { DataEntry, JsonValue, Message, MessageType } from './messages.js';
import { MAX_SET_ID, readSetInstance } from './schema-codec.js';
import type { ValueDecoder } from './value-decoder.js';

/** Connection-scoped state a payload decoder needs. */
export interface DecodeContext {
  readonly limits: ProtocolLimits;
  readonly values: ValueDecoder;
}

/** Decode one complete payload of a known type; the reader spans exactly the payload. */
export function decodePayload(type: MessageType, r: ByteReader, ctx: DecodeContext): Message {
  const m = decodeBody(type, r, ctx);
  r.expectEnd();
  return m;
}

function decodeBody(type: MessageType, r: ByteReader, ctx: DecodeContext): Message {
  const max = ctx.limits.maxStringBytes;
  switch (type) {
    case 'hello': {
      const version = r.u8('version');
      const role = pick(r, PEER_ROLES, 'role');
      const authMode = pick(r, AUTH_MODES, 'auth mode');
      const nonce = r.bytes(NONCE_BYTES, 'nonce');
      return { type, version, role, authMode, nonce, name: r.string(max, 'name') };
    }
    case 'challenge': {
      const role = pick(r, PEER_ROLES, 'role');
      const nonce = r.bytes(NONCE_BYTES, 'nonce');
      return { type, role, nonce, name: r.string(max, 'name') };
    }
    case 'auth':
    case 'auth-ok':
      return { type, proof: readProof(r) };
    case 'error':
      return { type, code: r.string(max, 'code'), message: r.string(max, 'message') };
    case 'schema':
      return decodeSchema(r, ctx);
    case 'schema-request': {
      const n = r.count('set id count', ctx.limits.maxSchemas, 'CANOPY_ERR_TOO_MANY_SCHEMAS');
      const setIds: number[] = [];
      for (let i = 0; i < n; i++) setIds.push(readSetId(r));
      return { type, setIds };
    }
    case 'data':
      return decodeData(r, ctx);
    case 'ack':
      return { type, seq: r.u64le('seq') };
    case 'summary':
    case 'control':
      return { type, body: readJson(r) };
  }
}

function pick<T>(r: ByteReader, table: readonly T[], what: string): T {
  const at = r.pos;
  const v = table[r.u8(what)];
  if (v === undefined) throw r.error('CANOPY_ERR_MALFORMED_FRAME', `unknown ${what} code`, at);
  return v;
}

function readProof(r: ByteReader): Uint8Array {
  const at = r.pos;
  const n = r.u8('proof length');
  if (n !== 0 && n !== PROOF_BYTES) {
    throw r.error(
      'CANOPY_ERR_MALFORMED_FRAME',
      `proof length ${n} is neither 0 nor ${PROOF_BYTES}`,
      at,
    );
  }
  return r.bytes(n, 'proof');
}

function readSetId(r: ByteReader): number {
  const at = r.pos;
  const id = r.varint('set id');
  if (id > MAX_SET_ID) throw r.error('CANOPY_ERR_MALFORMED_FRAME', `set id ${id} exceeds u32`, at);
  return id;
}

function decodeSchema(r: ByteReader, ctx: DecodeContext): Message {
  const setId = readSetId(r);
  const set = readSetInstance(r, ctx.limits);
  r.expectEnd();
  if (!ctx.values.has(setId) && ctx.values.size >= ctx.limits.maxSchemas) {
    throw r.error(
      'CANOPY_ERR_TOO_MANY_SCHEMAS',
      `set id ${setId} would exceed maxSchemas ${ctx.limits.maxSchemas}`,
      0,
    );
  }
  // A (re-)declared schema resets the set's value state: the sender follows with a keyframe.
  ctx.values.define(setId, set.schema);
  return { type: 'schema', setId, set };
}

function decodeData(r: ByteReader, ctx: DecodeContext): Message {
  const seq = r.u64le('seq');
  const n = r.count('entry count', ctx.limits.maxSetsPerFrame, 'CANOPY_ERR_TOO_MANY_SETS');
  const entries: DataEntry[] = [];
  let unknown: Set<number> | undefined;
  const payloadEnd = r.end;
  let values = 0;
  for (let i = 0; i < n; i++) {
    const setId = readSetId(r);
    const lenAt = r.pos;
    const len = r.varint('entry length');
    if (len === 0 || len > r.remaining()) {
      throw r.error(
        'CANOPY_ERR_MALFORMED_FRAME',
        `entry ${i} (set ${setId}) has bad length ${len}`,
        lenAt,
      );
    }
    const bodyEnd = r.pos + len;
    if (!ctx.values.canDecode(setId, r.buf[r.pos]!)) {
      // Skippable by design: the connection asks for the schema and the sender re-keys the set.
      (unknown ??= new Set()).add(setId);
      r.pos = bodyEnd;
      continue;
    }
    values += ctx.values.metricCount(setId);
    if (values > ctx.limits.maxValuesPerFrame) {
      throw r.error(
        'CANOPY_ERR_TOO_MANY_VALUES',
        `entry ${i} (set ${setId}) takes the frame past maxValuesPerFrame ${ctx.limits.maxValuesPerFrame}`,
        lenAt,
      );
    }
    r.end = bodyEnd;
    const sample = ctx.values.decodeEntry(r, setId);
    if (r.pos !== bodyEnd) {
      throw r.error(
        'CANOPY_ERR_MALFORMED_FRAME',
        `entry ${i} (set ${setId}) has ${bodyEnd - r.pos} stray bytes`,
      );
    }
    r.end = payloadEnd;
    entries.push({ setId, sample });
  }
  return { type: 'data', seq, entries, unknownSetIds: unknown ? [...unknown] : [] };
}

function readJson(r: ByteReader): JsonValue {
  const at = r.pos;
  const text = r.utf8(r.remaining(), 'JSON body');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw r.error('CANOPY_ERR_MALFORMED_FRAME', `body is not JSON: ${String(err)}`, at);
  }
}
