import { readdir } from 'node:fs/promises';
import { CHAR, TextCursor } from './text-cursor.js';

/** The fields of /proc/<pid>/stat the procstat plugin uses. */
export interface PidStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  /** User-mode CPU time, USER_HZ ticks. */
  readonly utime: number;
  /** Kernel-mode CPU time, USER_HZ ticks. */
  readonly stime: number;
  readonly threads: number;
  /** Start time after boot, ticks: with the pid it identifies a process across pid reuse. */
  readonly startTime: number;
  readonly vsizeBytes: number;
  /** Resident set in pages (used only to rank processes; rss_bytes comes from status). */
  readonly rssPages: number;
}

/** The fields of /proc/<pid>/status the procstat plugin uses. */
export interface PidStatus {
  readonly rssBytes: number;
  readonly voluntaryCtxt: number;
  readonly nonvoluntaryCtxt: number;
}

/**
 * Parse /proc/<pid>/stat. The command name sits in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the last `)`.
 * Returns null for text that is not a stat line.
 */
export function parsePidStat(text: string): PidStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = new TextCursor(text.slice(0, open)).uint();
  const cur = new TextCursor(text);
  cur.pos = close + 1;
  const state = cur.token(); // field 3
  for (let f = 4; f <= 13; f++) cur.skipToken();
  const utime = cur.uint(); // 14
  const stime = cur.uint(); // 15
  for (let f = 16; f <= 19; f++) cur.skipToken();
  const threads = cur.int(); // 20
  cur.skipToken(); // 21 itrealvalue
  const startTime = cur.uint(); // 22
  const vsizeBytes = cur.uint(); // 23
  const rssPages = cur.int(); // 24
  if (Number.isNaN(pid) || Number.isNaN(rssPages) || state.length === 0) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state,
    utime,
    stime,
    threads,
    startTime,
    vsizeBytes,
    rssPages,
  };
}

/** Parse the VmRSS and context-switch lines of /proc/<pid>/status (kernel threads have no VmRSS: 0). */
export function parsePidStatus(text: string): PidStatus {
  const cur = new TextCursor(text);
  let rssBytes = 0;
  let voluntaryCtxt = NaN;
  let nonvoluntaryCtxt = NaN;
  while (!cur.eof()) {
    const key = cur.token(CHAR.colon);
    if (cur.accept(CHAR.colon)) {
      if (key === 'VmRSS') rssBytes = cur.uint() * 1024;
      else if (key === 'voluntary_ctxt_switches') voluntaryCtxt = cur.uint();
      else if (key === 'nonvoluntary_ctxt_switches') nonvoluntaryCtxt = cur.uint();
    }
    cur.nextLine();
  }
  return { rssBytes, voluntaryCtxt, nonvoluntaryCtxt };
}

/** /proc/<pid>/cmdline with its NUL separators turned into spaces. */
export function cmdlineText(raw: string): string {
  return raw.replaceAll('\0', ' ').trimEnd();
}

/** Numeric entries of the proc root, ascending. */
export async function listPids(procRoot: string): Promise<number[]> {
  const names = await readdir(procRoot);
  const pids: number[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) {
      const pid = Number(name);
      if (Number.isInteger(pid)) pids.push(pid);
    }
  }
  return pids.sort((a, b) => a - b);
}

/**
 * Map with at most `limit` promises in flight: enough to keep the libuv pool
 * busy without queueing thousands of reads (and their buffers) at once.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
