import { open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RAW_DIR, segmentBase, syncDir } from './archive-files.js';
import { ByteSink } from './byte-io.js';
import { ENTRY_KINDS, encodeIndexEntries } from './index-entry.js';
import type { IndexEntry } from './index-entry.js';
import { RECORD_TYPES, encodeRecord, fileHeaderRecord, recordHeader } from './record-format.js';
import { encodeSchemas } from './schema-record.js';
import { SegmentState } from './segment-index.js';
import type { DiskChunk, MemoryChunk } from './series-timeline.js';
import type { SetVersion } from './set-version.js';

/** Counters the writer reports in stats(). */
export interface SegmentCounters {
  fsyncs: number;
}

interface Handles {
  readonly seg: FileHandle;
  readonly idx: FileHandle;
}

interface Planned {
  readonly seg: SegmentState;
  readonly buffers: Uint8Array[];
  readonly entries: IndexEntry[];
  readonly chunks: DiskChunk[];
  readonly declared: [number, SetVersion][];
}

/**
 * The write side of segments. A batch of sealed chunks is written in two
 * synced steps: first the chunk records (and schemas records for sets new
 * to a segment) are appended to the .seg files and synced, then the index
 * entries pointing at them are appended to the .idx files and synced. A
 * crash between the two leaves records no index points at; the writer's
 * recovery indexes them again (their samples are also still in the WAL).
 */
export class SegmentStore {
  readonly #dir: string;
  readonly #segmentMs: number;
  readonly #maxOpen: number;
  readonly #sub: string;
  readonly counters: SegmentCounters = { fsyncs: 0 };
  /** Every segment, by base name. */
  readonly segments = new Map<string, SegmentState>();
  /** The part new chunks of a window go to. */
  readonly #writable = new Map<number, SegmentState>();
  readonly #localIds = new Map<SegmentState, Map<SetVersion, number>>();
  readonly #handles = new Map<SegmentState, Handles>();
  /** Highest part removed per window: never reused, a reader may still hold the old file. */
  readonly #removedParts = new Map<number, number>();
  readonly #sink = new ByteSink(4096);

  /** `sub` is the directory segments go to: raw/, or a tier's. */
  constructor(dir: string, segmentMs: number, maxOpen: number, sub = RAW_DIR) {
    this.#dir = dir;
    this.#segmentMs = segmentMs;
    this.#maxOpen = maxOpen;
    this.#sub = sub;
  }

  /**
   * Forget a segment and delete its files (retention). The caller makes sure
   * no write is in progress; later chunks of its window start a new part.
   * Readers holding the files open keep reading them (unlink semantics).
   */
  async remove(seg: SegmentState): Promise<void> {
    this.segments.delete(seg.base);
    this.#removedParts.set(
      seg.startMs,
      Math.max(seg.part, this.#removedParts.get(seg.startMs) ?? 0),
    );
    if (this.#writable.get(seg.startMs) === seg) this.#writable.delete(seg.startMs);
    this.#localIds.delete(seg);
    const h = this.#handles.get(seg);
    this.#handles.delete(seg);
    if (h !== undefined) {
      await h.seg.close();
      await h.idx.close();
    }
    // The index first: a crash between the two leaves a segment no index points into.
    await unlink(seg.idxPath).catch(ignoreMissing);
    await unlink(seg.path).catch(ignoreMissing);
  }

  /** Take over a segment found on disk (recovery); a damaged one is never appended to. */
  adopt(seg: SegmentState): void {
    this.segments.set(seg.base, seg);
    const ids = new Map<SetVersion, number>();
    for (const [id, v] of seg.versions) ids.set(v, id);
    this.#localIds.set(seg, ids);
    const cur = this.#writable.get(seg.startMs);
    if (!seg.damaged && (cur === undefined || cur.part < seg.part))
      this.#writable.set(seg.startMs, seg);
    if (seg.damaged && cur !== undefined && cur.part < seg.part) this.#writable.delete(seg.startMs);
  }

  /** Bytes of all segments and indexes. */
  bytes(): { segments: number; indexes: number } {
    let segments = 0;
    let indexes = 0;
    for (const s of this.segments.values()) {
      segments += s.recordsEnd;
      indexes += s.idxOffset;
    }
    return { segments, indexes };
  }

  /**
   * Write sealed chunks; resolves with their disk references (in the order
   * given) once segments and indexes are synced.
   */
  async write(chunks: readonly MemoryChunk[]): Promise<DiskChunk[]> {
    const groups = new Map<number, number[]>();
    chunks.forEach((c, i) => {
      const w = Math.floor(c.tMin / this.#segmentMs) * this.#segmentMs;
      let g = groups.get(w);
      if (g === undefined) groups.set(w, (g = []));
      g.push(i);
    });
    const plans: Planned[] = [];
    for (const [w, g] of groups) {
      plans.push(
        this.#plan(
          await this.#writableFor(w),
          g.map((i) => chunks[i]!),
        ),
      );
    }
    const handles: Handles[] = [];
    for (const p of plans) handles.push(await this.#open(p.seg));
    await Promise.all(plans.map((p, i) => writeAll(handles[i]!.seg, p.buffers, p.seg.recordsEnd)));
    await Promise.all(handles.map((h) => h.seg.datasync()));
    this.counters.fsyncs += handles.length;
    // Only now that the records are durable may an index point at them.
    const idxRecords = plans.map((p) =>
      encodeRecord(RECORD_TYPES.index, encodeIndexEntries(p.entries)),
    );
    await Promise.all(
      plans.map((p, i) => writeAll(handles[i]!.idx, [idxRecords[i]!], p.seg.idxOffset)),
    );
    await Promise.all(handles.map((h) => h.idx.datasync()));
    this.counters.fsyncs += handles.length;
    const out: DiskChunk[] = new Array<DiskChunk>(chunks.length);
    [...groups.values()].forEach((g, i) => {
      const p = plans[i]!;
      for (const [id, v] of p.declared) p.seg.versions.set(id, v);
      for (const b of p.buffers) p.seg.recordsEnd += b.length;
      for (const c of p.chunks) p.seg.maxMs = Math.max(p.seg.maxMs, c.tMax);
      p.seg.idxOffset += idxRecords[i]!.length;
      g.forEach((input, k) => (out[input] = p.chunks[k]!));
    });
    await this.#evict();
    return out;
  }

  /** Lay out one segment's records: a schemas record for new sets, then the chunks. */
  #plan(seg: SegmentState, chunks: readonly MemoryChunk[]): Planned {
    const ids = this.#localIds.get(seg)!;
    const declared = declare(seg, ids, chunks);
    const plan: Planned = { seg, buffers: [], entries: [], chunks: [], declared };
    let at = seg.recordsEnd;
    if (declared.length > 0) {
      const sets = declared.map(([id, v]) => ({ id, set: v.set }));
      const rec = encodeRecord(RECORD_TYPES.schemas, encodeSchemas(sets));
      plan.buffers.push(rec);
      const n = declared.length;
      plan.entries.push({
        kind: ENTRY_KINDS.schemas,
        localId: n,
        count: 0,
        length: rec.length,
        offset: at,
        tMin: 0,
        tMax: 0,
      });
      at += rec.length;
    }
    for (const c of chunks) {
      const localId = ids.get(c.version)!;
      this.#sink.reset();
      this.#sink.varint(localId);
      const head = this.#sink.view().slice();
      const header = recordHeader(RECORD_TYPES.chunk, [head, c.body]);
      plan.buffers.push(header, head, c.body);
      const length = header.length + head.length + c.body.length;
      const { count, tMin, tMax } = c;
      const e: IndexEntry = {
        kind: ENTRY_KINDS.chunk,
        localId,
        count,
        length,
        offset: at,
        tMin,
        tMax,
      };
      plan.entries.push(e);
      plan.chunks.push({ ...e, segment: seg, version: c.version, verified: true });
      at += length;
    }
    return plan;
  }

  /** The segment new chunks of window `startMs` go to, created when there is none (or it is damaged). */
  async #writableFor(startMs: number): Promise<SegmentState> {
    const cur = this.#writable.get(startMs);
    if (cur !== undefined) return cur;
    let part = (this.#removedParts.get(startMs) ?? -1) + 1;
    for (const s of this.segments.values())
      if (s.startMs === startMs) part = Math.max(part, s.part + 1);
    const base = segmentBase(startMs, part);
    const seg = new SegmentState(this.#dir, { startMs, part, base }, this.#sub);
    const seghead = fileHeaderRecord('seg');
    const idxhead = fileHeaderRecord('idx');
    for (const [path, head] of [
      [seg.path, seghead],
      [seg.idxPath, idxhead],
    ] as const) {
      const h = await open(path, 'wx');
      try {
        await writeAll(h, [head], 0);
        await h.datasync();
      } finally {
        await h.close();
      }
    }
    await syncDir(join(this.#dir, this.#sub));
    seg.recordsEnd = seghead.length;
    seg.idxOffset = idxhead.length;
    this.adopt(seg);
    return seg;
  }

  async #open(seg: SegmentState): Promise<Handles> {
    let h = this.#handles.get(seg);
    if (h !== undefined) {
      this.#handles.delete(seg);
      this.#handles.set(seg, h);
      return h;
    }
    h = { seg: await open(seg.path, 'r+'), idx: await open(seg.idxPath, 'r+') };
    this.#handles.set(seg, h);
    return h;
  }

  /** Close the least recently used handles beyond the maximum (between writes, never during one). */
  async #evict(): Promise<void> {
    while (this.#handles.size > this.#maxOpen) {
      const [old, oh] = this.#handles.entries().next().value as [SegmentState, Handles];
      this.#handles.delete(old);
      await oh.seg.close();
      await oh.idx.close();
    }
  }

  async close(): Promise<void> {
    for (const h of this.#handles.values()) {
      await h.seg.close();
      await h.idx.close();
    }
    this.#handles.clear();
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

/** Give the versions of `chunks` that the segment does not know yet new local ids. */
function declare(
  seg: SegmentState,
  ids: Map<SetVersion, number>,
  chunks: readonly MemoryChunk[],
): [number, SetVersion][] {
  const declared: [number, SetVersion][] = [];
  let next = 0;
  for (const id of ids.values()) next = Math.max(next, id + 1);
  for (const id of seg.versions.keys()) next = Math.max(next, id + 1);
  for (const c of chunks) {
    if (ids.has(c.version)) continue;
    const id = next++;
    ids.set(c.version, id);
    declared.push([id, c.version]);
  }
  return declared;
}

/** Write every buffer at `position`; a short write is an error. */
export async function writeAll(
  h: FileHandle,
  buffers: readonly Uint8Array[],
  position: number,
): Promise<void> {
  let bytes = 0;
  for (const b of buffers) bytes += b.length;
  const { bytesWritten } = await h.writev(buffers as Uint8Array[], position);
  if (bytesWritten !== bytes) throw new Error(`short write: ${bytesWritten} of ${bytes} bytes`);
}
