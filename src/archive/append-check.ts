import { validateSetInstance } from '../model/index.js';
import type { SetInstance, SetSample } from '../model/index.js';
import type { ArchiveCatalog } from './catalog.js';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';
import type { SetVersion } from './set-version.js';

/**
 * The item's set version, after checking the set once (versions in
 * `validated` passed already) and the sample every time.
 */
export function checkItem(
  catalog: ArchiveCatalog,
  validated: WeakSet<SetVersion>,
  it: { readonly set: SetInstance; readonly sample: SetSample },
): SetVersion {
  let version: SetVersion;
  try {
    version = catalog.versionOf(it.set);
  } catch (err) {
    throw invalid(`not a set instance: ${String(err)}`, err);
  }
  if (!validated.has(version)) {
    try {
      validateSetInstance(version.set);
    } catch (err) {
      throw invalid(`${version.key}: ${String(err)}`, err);
    }
    validated.add(version);
  }
  const { timestampMs, values } = it.sample;
  if (values.length !== version.set.schema.metrics.length) {
    throw invalid(
      `${version.key}: sample has ${values.length} values, the schema ${version.set.schema.metrics.length}`,
    );
  }
  if (!Number.isSafeInteger(timestampMs))
    throw invalid(`${version.key}: timestamp ${timestampMs} is not a safe integer`);
  return version;
}

function invalid(what: string, cause?: unknown): ArchiveError {
  return new ArchiveError(
    ARCHIVE_ERROR_CODES.invalidArgument,
    what,
    cause === undefined ? undefined : { cause },
  );
}
