import { ByteWriter } from './byte-writer.js';
import { SUMSTATS_ERROR_CODES, SumStatsError } from './errors.js';
import { REDUCER_KINDS } from './spec.js';
import type { Observation, Reducer, ReducerResult, ReducerSpec } from './spec.js';
import { describeSpec, sameSpec } from './validate-spec.js';

/** 'CSR': Canopy SumStats Reducer. */
export const REDUCER_MAGIC = [0x43, 0x53, 0x52] as const;
/** Version of the binary form; a decoder refuses any other. */
export const REDUCER_FORMAT_VERSION = 1;

/** Write the parameters of a resolved spec, in the order the decoder reads them. */
export function writeParams(w: ByteWriter, spec: Readonly<ReducerSpec>): void {
  switch (spec.kind) {
    case 'last':
    case 'sample':
    case 'unique':
      w.varuint(spec.n!);
      return;
    case 'topk':
      w.varuint(spec.n!);
      w.varuint(spec.counters!);
      return;
    case 'hll_unique':
      w.u8(spec.precision!);
      return;
    case 'quantile':
      w.f64(spec.relativeAccuracy!);
      w.u8(spec.quantiles!.length);
      for (const q of spec.quantiles!) w.f64(q);
      return;
    default:
      return;
  }
}

/**
 * What every reducer shares: the resolved spec, the merge checks and the
 * encoding header. A kind supplies its state operations.
 */
export abstract class ReducerBase implements Reducer {
  readonly spec: Readonly<ReducerSpec>;

  constructor(spec: Readonly<ReducerSpec>) {
    this.spec = spec;
  }

  abstract add(o: Observation): void;
  abstract result(): ReducerResult;
  abstract bytes(): number;
  /** Fold `other` (same class, same parameters, not this) into this state. */
  protected abstract mergeState(other: this): void;
  protected abstract writeState(w: ByteWriter): void;

  merge(other: Reducer): void {
    if (!(other instanceof ReducerBase) || other.constructor !== this.constructor) {
      const what = other instanceof ReducerBase ? describeSpec(other.spec) : 'a foreign object';
      throw new SumStatsError(
        SUMSTATS_ERROR_CODES.merge,
        `cannot merge ${what} into ${describeSpec(this.spec)}`,
      );
    }
    if (!sameSpec(this.spec, other.spec)) {
      throw new SumStatsError(
        SUMSTATS_ERROR_CODES.merge,
        `cannot merge ${describeSpec(other.spec)} into ${describeSpec(this.spec)}: ${
          other.spec.kind === this.spec.kind ? 'parameters' : 'kinds'
        } differ`,
      );
    }
    if (other === this) {
      // A partition merged into itself would be counted twice.
      throw new SumStatsError(
        SUMSTATS_ERROR_CODES.merge,
        `cannot merge ${describeSpec(this.spec)} into itself`,
      );
    }
    this.mergeState(other as this);
  }

  encode(): Uint8Array {
    const w = new ByteWriter();
    for (const b of REDUCER_MAGIC) w.u8(b);
    w.u8(REDUCER_FORMAT_VERSION);
    w.u8(REDUCER_KINDS.indexOf(this.spec.kind));
    writeParams(w, this.spec);
    this.writeState(w);
    return w.finish();
  }
}
