/**
 * Loopback ports for tests that must name a port before a daemon binds it.
 * Asking the kernel for port 0 and closing it races with every other process
 * that binds port 0 meanwhile (they get ports from the same ephemeral range).
 * These ports come from below the ephemeral range instead, from a slice chosen
 * by this process's pid (test files run as parallel processes), are checked
 * bindable, and are never handed out twice by one process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const SLICES = 32;
const handed = new Set<number>();

function range(): [number, number] {
  let low = 32768;
  try {
    low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
  } catch {
    // keep the Linux default
  }
  const lo = 10_000;
  const hi = Math.max(lo + SLICES * 100, low) - 1;
  const size = Math.floor((hi - lo) / SLICES);
  const start = lo + (process.pid % SLICES) * size;
  return [start, start + size];
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port nobody in this process was given and nothing listens on now. */
export async function freePort(): Promise<number> {
  const [lo, hi] = range();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = lo + Math.floor(Math.random() * (hi - lo));
    if (handed.has(port)) continue;
    handed.add(port);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port in ${lo}..${hi}`);
}
