import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Size of a file, or -1 when it does not exist. */
export async function fileSize(path: string): Promise<number> {
  const h = await open(path, 'r').catch(() => undefined);
  if (h === undefined) return -1;
  try {
    return (await h.stat()).size;
  } finally {
    await h.close();
  }
}

/** Bytes [offset, offset + length) of a file (fewer when it is shorter). */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const h = await open(path, 'r');
  try {
    return await readAll(h, offset, length);
  } finally {
    await h.close();
  }
}

/** Bytes from `offset` to the end of the file (empty when it is shorter or missing). */
export async function readFrom(path: string, offset: number): Promise<Uint8Array> {
  const h = await open(path, 'r').catch(() => undefined);
  if (h === undefined) return new Uint8Array(0);
  try {
    const size = (await h.stat()).size;
    return size <= offset ? new Uint8Array(0) : await readAll(h, offset, size - offset);
  } finally {
    await h.close();
  }
}

/** Read until `length` bytes or the end of the file. */
export async function readAll(h: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await h.read(buf, got, length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}
