import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { SAMPLER_ERROR_CODES, SamplerError } from '../errors.js';

const INITIAL_BUFFER_BYTES = 16 * 1024;
/** /proc files are small; anything larger than this is a fixture or kernel bug, not data. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Text encoding of a proc file: numeric tables are ASCII, process names may be UTF-8. */
export type ProcEncoding = 'latin1' | 'utf8';

/**
 * A /proc file kept open between ticks and re-read from offset 0 with
 * positional reads. Keeping the handle saves the open/fstat/close round trips
 * of readFile on every tick (the kernel regenerates seq_file content on each
 * read from offset 0). Reads continue until end of file because a seq_file
 * may return fewer bytes than asked for before it is finished. Not
 * reentrant (one buffer): the scheduler never runs a plugin's ticks
 * concurrently.
 */
export class ProcFile {
  readonly path: string;
  readonly #encoding: ProcEncoding;
  #handle: FileHandle | null = null;
  #buf: Buffer = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);

  constructor(path: string, encoding: ProcEncoding = 'latin1') {
    this.path = path;
    this.#encoding = encoding;
  }

  /** The whole current content of the file. */
  async read(): Promise<string> {
    try {
      this.#handle ??= await open(this.path, 'r');
      const total = await this.#readAll(this.#handle);
      return this.#buf.toString(this.#encoding, 0, total);
    } catch (err) {
      // Reopen on the next tick: the file may have been replaced (fixtures) or the handle broken.
      await this.close();
      throw readError(this.path, err);
    }
  }

  /** Close the handle; a later read reopens it. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close().catch(() => undefined);
  }

  async #readAll(handle: FileHandle): Promise<number> {
    let total = 0;
    for (;;) {
      if (total === this.#buf.length) this.#grow(total);
      const buf = this.#buf;
      const { bytesRead } = await handle.read(buf, total, buf.length - total, total);
      if (bytesRead === 0) return total;
      total += bytesRead;
    }
  }

  #grow(used: number): void {
    if (this.#buf.length * 2 > MAX_FILE_BYTES) {
      throw new Error(`file larger than ${MAX_FILE_BYTES} bytes`);
    }
    const next = Buffer.allocUnsafe(this.#buf.length * 2);
    this.#buf.copy(next, 0, 0, used);
    this.#buf = next;
  }
}

/**
 * Read a short-lived file (per-process files) once: open, read to the end,
 * close. Returns null when the file vanished (the process exited), which
 * callers treat as "skip silently".
 */
export async function readProcText(
  path: string,
  encoding: ProcEncoding = 'utf8',
): Promise<string | null> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, 'r');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(4096);
      const { bytesRead } = await handle.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_FILE_BYTES) throw new Error(`file larger than ${MAX_FILE_BYTES} bytes`);
    }
    const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    return whole.toString(encoding, 0, total);
  } catch (err) {
    if (isGone(err)) return null;
    throw readError(path, err);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** ENOENT/ESRCH: the process (or file) disappeared between listing and reading. */
export function isGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

function readError(path: string, err: unknown): SamplerError {
  if (err instanceof SamplerError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new SamplerError(SAMPLER_ERROR_CODES.pluginRead, `cannot read ${path}: ${reason}`, {
    cause: err,
    retryable: true,
  });
}
