import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';
import { sameValue, seriesArb } from './test-support.js';
import { TimestampStreamDecoder, TimestampStreamEncoder } from './timestamp-stream.js';
import { ValueStreamDecoder } from './value-decoder.js';
import { ValueStreamEncoder } from './value-stream.js';

function isCorrupt(e: unknown): boolean {
  return e instanceof ArchiveError && e.code === ARCHIVE_ERROR_CODES.corruptChunk;
}

/** Decode `count` items; a clean CANOPY_ERR_CORRUPT_CHUNK is fine, anything else fails the test. */
function decodeOrCorrupt(decode: () => void): boolean {
  try {
    decode();
    return true;
  } catch (e) {
    assert.ok(isCorrupt(e), `unexpected error: ${String(e)}`);
    return false;
  }
}

describe('chunk decoders on damaged input', () => {
  it('either decode garbage bytes or raise CANOPY_ERR_CORRUPT_CHUNK, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 200 }), (bytes, count) => {
        const out = new Float64Array(count);
        decodeOrCorrupt(() => new ValueStreamDecoder().reset(bytes, count).decode(out, 0, count));
        decodeOrCorrupt(() =>
          new TimestampStreamDecoder().reset(bytes, count).decode(out, 0, count),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('detect a value stream cut at any bit, or decode its intact prefix exactly', () => {
    fc.assert(
      fc.property(
        seriesArb.filter((s) => s.length > 0),
        (values) => {
          const enc = new ValueStreamEncoder();
          for (const v of values) enc.append(v);
          const bytes = enc.seal();
          for (let end = 0; end < bytes.length * 8; end += 1 + (end >> 4)) {
            const d = new ValueStreamDecoder().reset(bytes, values.length, 0, end);
            const got: number[] = [];
            const ok = decodeOrCorrupt(() => {
              for (let i = 0; i < values.length; i++) got.push(d.next());
            });
            // A cut inside the zero padding of the last byte may still decode.
            if (ok) assert.ok(end > bytes.length * 8 - 8);
            got.forEach((v, i) => assert.ok(sameValue(v, values[i]!), `value ${i}`));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('detect a timestamp stream cut at any byte', () => {
    const enc = new TimestampStreamEncoder();
    const ts = Array.from({ length: 100 }, (_, i) => 1_700_000_000_000 + 1000 * i + (i % 7) * 13);
    for (const t of ts) enc.append(t);
    const bytes = enc.seal();
    for (let len = 0; len < bytes.length; len++) {
      const out = new Float64Array(ts.length);
      const ok = decodeOrCorrupt(() =>
        new TimestampStreamDecoder()
          .reset(bytes.subarray(0, len), ts.length)
          .decode(out, 0, ts.length),
      );
      assert.equal(ok, false, `cut at ${len} of ${bytes.length} bytes went unnoticed`);
    }
  });
});
