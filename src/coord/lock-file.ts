import { open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { COORD_ERROR_CODES, CoordError } from './errors.js';

/** An exclusive hold on a store directory. */
export interface DirLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Lock paths held by this process, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

/**
 * Take `dir/LOCK` (our pid inside). A lock whose pid is no longer alive is
 * stale (its process crashed) and is taken over; a live one is refused with
 * CANOPY_ERR_COORD_LOCKED naming the pid, because two processes appending to
 * one log would interleave and corrupt it.
 */
export async function acquireDirLock(dir: string): Promise<DirLock> {
  const path = join(resolve(dir), 'LOCK');
  if (heldHere.has(path)) throw lockedError(path, process.pid);
  // Two rounds: the second follows the removal of a stale lock. If another
  // process takes it over in between, its create wins and ours fails.
  for (let round = 0; round < 2; round++) {
    if (await tryCreate(path)) {
      heldHere.add(path);
      return { path, release: () => releaseLock(path) };
    }
    const pid = await readPid(path);
    if (pid !== undefined && pid !== process.pid && alive(pid)) throw lockedError(path, pid);
    await unlink(path).catch(() => undefined);
  }
  throw lockedError(path, (await readPid(path)) ?? 0);
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    try {
      await fh.writeFile(`${process.pid}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CoordError(COORD_ERROR_CODES.io, `cannot create ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Signal 0 checks existence; EPERM means it exists under another user. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseLock(path: string): Promise<void> {
  if (!heldHere.delete(path)) return;
  await unlink(path).catch(() => undefined);
}

function lockedError(path: string, pid: number): CoordError {
  return new CoordError(
    COORD_ERROR_CODES.locked,
    `${path} is held by process ${pid}; another canopy process uses this coordination store`,
  );
}
