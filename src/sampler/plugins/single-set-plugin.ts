import type { MetricDef } from '../../model/index.js';
import { SAMPLER_ERROR_CODES, SamplerError } from '../errors.js';
import type { PluginContext, PluginSample, SamplerPlugin } from '../plugin.js';
import { ProcFile } from './proc-file.js';
import { SetLayout, buildSet, toValues } from './set-layout.js';

/** How one /proc file becomes one set: the parts that differ between cpu, meminfo, vmstat, … */
export interface SingleSetSource {
  /** Plugin, schema and group name. */
  readonly name: string;
  /** Path of the file below procRoot, e.g. `net/dev`. */
  readonly file: string;
  /**
   * Append the file's values to `values` and a description of their layout
   * to `layout`; equal layouts must mean equal metric lists.
   */
  parse(text: string, layout: string[], values: number[]): void;
  /** Metric definitions for a layout, called only when the layout changes. */
  metrics(layout: readonly string[]): MetricDef[];
  /**
   * True when an empty result is legitimate (every device filtered out): the
   * plugin then returns no set instead of reporting a format error.
   */
  readonly allowEmpty?: boolean;
}

/**
 * A plugin that reads one /proc file per tick into one set. The file is read
 * once and every value of the set comes from that read, so the set is
 * atomic in the LDMS sense and carries one timestamp.
 */
export class SingleSetPlugin implements SamplerPlugin {
  readonly name: string;
  readonly #ctx: PluginContext;
  readonly #source: SingleSetSource;
  readonly #file: ProcFile;
  readonly #layout = new SetLayout();

  constructor(ctx: PluginContext, source: SingleSetSource) {
    this.name = source.name;
    this.#ctx = ctx;
    this.#source = source;
    this.#file = new ProcFile(`${ctx.procRoot}/${source.file}`);
  }

  async sample(nowMs: number): Promise<PluginSample[]> {
    const text = await this.#file.read();
    const layout: string[] = [];
    const values: number[] = [];
    this.#source.parse(text, layout, values);
    if (values.length === 0) {
      if (this.#source.allowEmpty === true) return [];
      throw new SamplerError(
        SAMPLER_ERROR_CODES.pluginRead,
        `${this.#file.path}: no values found (unexpected format, or everything filtered out)`,
        { retryable: true },
      );
    }
    const { name } = this.#source;
    const set = this.#layout.resolve(layout, () =>
      buildSet(this.#ctx, [name], name, this.#source.metrics(layout)),
    );
    return [{ set, sample: { timestampMs: nowMs, values: toValues(values), strings: null } }];
  }

  async close(): Promise<void> {
    await this.#file.close();
  }
}
