import type { ArchiveError } from './errors.js';

/** Most problems kept; later ones are counted, not stored. */
const MAX_PROBLEMS = 1000;

/**
 * Problems found in an archive's files (damaged records, torn tails, index
 * entries that do not match), each reported once per file and offset.
 * Finding one never stops a reader: it skips what is damaged and lists it here.
 */
export class ProblemLog {
  readonly #list: ArchiveError[] = [];
  readonly #seen = new Set<string>();
  #dropped = 0;

  /** Record `e`; false when the same problem was already recorded. */
  add(e: ArchiveError): boolean {
    const id = e.file === undefined ? `${e.code} ${e.message}` : `${e.code} ${e.file}@${e.offset}`;
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#list.length < MAX_PROBLEMS) this.#list.push(e);
    else this.#dropped++;
    return true;
  }

  /** Problems so far, oldest first. */
  list(): readonly ArchiveError[] {
    return [...this.#list];
  }

  /** Problems beyond the kept maximum. */
  get dropped(): number {
    return this.#dropped;
  }
}
