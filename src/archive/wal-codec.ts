import type { SetInstance, SetSample } from '../model/index.js';
import { FrameDecoder, FrameEncoder } from '../protocol/index.js';
import type { DataEntry } from '../protocol/index.js';
import type { SetVersion } from './set-version.js';

/**
 * WAL record payloads are protocol frames (docs/protocol.md): a schema
 * frame the first time a set appears in the file, then data frames. The
 * frame codec is stateful (each sample is coded against the set's previous
 * one, about a byte per value), so each WAL file starts a fresh encoder and
 * a reader decodes a file from its start. Every `keyframeBytes` of WAL the
 * encoder forces keyframes, so a damaged record costs at most that much of
 * the sets it touched: the decoder skips a set until its next keyframe.
 */

/** Values per data frame, well inside the protocol's frame limits even for 64-bit XOR values. */
const MAX_FRAME_VALUES = 1_000_000;
const MAX_FRAME_SETS = 65_536;

/** One sample to log. */
export interface WalItem {
  readonly version: SetVersion;
  readonly sample: SetSample;
}

/** Encoder of one WAL file's records. */
export class WalEncoder {
  readonly #frames = new FrameEncoder();
  readonly #ids = new Map<SetVersion, number>();
  readonly #keyframeBytes: number;
  #seq = 0;
  #sinceKeyframe = 0;

  constructor(keyframeBytes: number) {
    this.#keyframeBytes = keyframeBytes;
  }

  /** Frames of one record: schema frames for sets new to this file, then data frames. */
  encode(items: readonly WalItem[]): Uint8Array[] {
    const parts: Uint8Array[] = [];
    let entries: DataEntry[] = [];
    let values = 0;
    for (const { version, sample } of items) {
      let id = this.#ids.get(version);
      if (id === undefined) {
        id = this.#ids.size;
        parts.push(this.#frames.schema(id, version.set));
        this.#ids.set(version, id);
      }
      const n = sample.values.length;
      if (
        entries.length > 0 &&
        (entries.length >= MAX_FRAME_SETS || values + n > MAX_FRAME_VALUES)
      ) {
        parts.push(this.#frames.data(this.#seq++, entries));
        entries = [];
        values = 0;
      }
      entries.push({ setId: id, sample });
      values += n;
    }
    if (entries.length > 0) parts.push(this.#frames.data(this.#seq++, entries));
    for (const p of parts) this.#sinceKeyframe += p.length;
    if (this.#sinceKeyframe >= this.#keyframeBytes) {
      this.#sinceKeyframe = 0;
      for (const id of this.#ids.values()) this.#frames.forceKeyframe(id);
    }
    return parts;
  }
}

/** What one WAL record held. */
export interface WalBatch {
  readonly entries: { readonly set: SetInstance; readonly sample: SetSample }[];
  /** Entries skipped because their set had no keyframe since a damaged record. */
  readonly skipped: number;
}

/** Decoder of one WAL file's records, in file order. */
export class WalDecoder {
  #frames = new FrameDecoder();
  readonly #sets = new Map<number, SetInstance>();

  /** Decode one record payload; throws (a protocol error) when the frames do not decode. */
  decode(payload: Uint8Array): WalBatch {
    const entries: { set: SetInstance; sample: SetSample }[] = [];
    let skipped = 0;
    for (const m of this.#frames.push(payload)) {
      if (m.type === 'schema') {
        this.#sets.set(m.setId, m.set);
      } else if (m.type === 'data') {
        skipped += m.unknownSetIds.length;
        for (const e of m.entries)
          entries.push({ set: this.#sets.get(e.setId)!, sample: e.sample });
      }
    }
    return { entries, skipped };
  }

  /**
   * After a damaged record: a fresh frame decoder that knows the sets
   * declared so far but no previous samples, so no later entry is decoded
   * against a sample that was lost — each set resumes at its next keyframe.
   */
  resync(): void {
    this.#frames = new FrameDecoder();
    const enc = new FrameEncoder();
    for (const [id, set] of this.#sets) this.#frames.push(enc.schema(id, set));
  }
}
