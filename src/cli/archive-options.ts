import { ArchiveWriter, pickTier } from '../archive/index.js';
import type { ArchiveQueryable, TierChoice } from '../aggregator/index.js';
import type { Clock } from '../common/index.js';
import { ArchiveStore } from '../stores/index.js';
import type { Store } from '../stores/index.js';

/** What an aggregator needs to keep and read an archive. */
export interface ArchiveOptions {
  archive: ArchiveQueryable;
  /** The archive as a durable store (first in the store list). */
  store: Store;
  pickTier: TierChoice;
}

/** Open (and recover) the archive in `dir`, ready to hand to an Aggregator. */
export async function openArchive(dir: string, clock: Clock): Promise<ArchiveOptions> {
  const archive = await ArchiveWriter.open(dir);
  return {
    archive,
    store: new ArchiveStore(archive),
    pickTier: (stepMs, fromMs) => pickTier(stepMs, fromMs, clock.now()),
  };
}
