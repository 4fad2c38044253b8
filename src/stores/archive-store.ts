import type { SetInstance } from '../model/index.js';
import type { Store, StoredItem } from './store.js';

/** What the aggregator needs of the archive (src/archive ArchiveWriter). */
export interface ArchiveLike {
  append(items: readonly StoredItem[]): Promise<void>;
  stats(): object;
  close(): Promise<void>;
}

/**
 * The archive as a store: durable, so a producer's frame is acknowledged only
 * once the archive's write-ahead log has synced it.
 */
export class ArchiveStore implements Store {
  readonly name = 'archive';
  readonly durable = true;
  readonly archive: ArchiveLike;

  constructor(archive: ArchiveLike) {
    this.archive = archive;
  }

  accepts(_set: SetInstance): boolean {
    return true;
  }

  write(items: readonly StoredItem[]): Promise<void> {
    return this.archive.append(items);
  }

  stats(): Record<string, number | string> {
    const flat: Record<string, number | string> = {};
    const walk = (prefix: string, o: object): void => {
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'number' || typeof v === 'string') flat[prefix + k] = v;
        else if (v && typeof v === 'object') walk(`${prefix}${k}.`, v as object);
      }
    };
    walk('', this.archive.stats());
    return flat;
  }

  close(): Promise<void> {
    return this.archive.close();
  }
}
