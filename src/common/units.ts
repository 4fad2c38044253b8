const DURATION_UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Milliseconds of a duration such as `500ms`, `10s`, `5m`, `2h`, `1d`; undefined when it does not parse. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(text.trim());
  return m ? Math.round(Number(m[1]) * DURATION_UNIT_MS[m[2]!]!) : undefined;
}

const SIZE_UNIT: Readonly<Record<string, number>> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** Bytes of a size such as `64MiB`, `512k`, `1g` or a plain number; undefined when it does not parse. */
export function sizeBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  return m ? Math.round(Number(m[1]) * SIZE_UNIT[m[2]!.toLowerCase()]!) : undefined;
}

/** Parse `host:port`, `[v6]:port` or `port` (host defaults to loopback); undefined when it does not parse. */
export function endpointOf(
  text: string,
  defaultHost = '127.0.0.1',
): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))?:?(\d+)$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? defaultHost, port };
}
