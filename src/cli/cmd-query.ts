import { parseArgs } from 'node:util';
import { stringOptions } from './args.js';
import type { Command } from './command.js';
import { CliError } from './errors.js';

interface LatestBody {
  points: { name: string; timestampMs: number; value: number | string; unit: string }[];
}
interface RangeBody {
  series: { name: string; unit: string; points: [number, number][] }[];
}

export const queryCommand: Command = {
  name: 'query',
  summary: 'query latest values or a time range through the HTTP API',
  usage: `canopy query SELECTOR [options]

Examples:
  canopy query 'Local::*:cpu:user'
  canopy query 'Local::*:loadavg:*' --from -5m --output csv

Options:
  --api URL            API base URL (default http://127.0.0.1:8470)
  --from TIME          range start (now, -2h, epoch, ISO); omitted = latest values
  --to TIME            range end (default now)
  --output FORMAT      table | json | csv (default table)
  --limit N            most series to return
  -h, --help           show this help`,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: stringOptions(['api', 'from', 'to', 'output', 'limit']),
      strict: true,
    });
    const selector = positionals[0];
    if (!selector)
      throw new CliError(
        'CANOPY_ERR_BAD_OPTION',
        'a selector is required, e.g. canopy query "Local::*:cpu:user"',
      );
    const output = values.output ?? 'table';
    if (!['table', 'json', 'csv'].includes(output))
      throw new CliError('CANOPY_ERR_BAD_OPTION', `--output: ${output} is not table, json or csv`);
    const base = values.api ?? 'http://127.0.0.1:8470';
    const params = new URLSearchParams({ select: selector });
    if (values.limit) params.set('limit', values.limit);
    const isRange = values.from !== undefined;
    if (isRange) {
      params.set('from', values.from!);
      params.set('to', values.to ?? 'now');
    }
    const url = `${base}/api/${isRange ? 'range' : 'latest'}?${params.toString()}`;
    let res: Response;
    try {
      res = await fetch(url);
    } catch (err) {
      throw new CliError(
        'CANOPY_ERR_API_UNREACHABLE',
        `cannot reach ${base}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const body = (await res.json()) as { error?: { code: string; message: string } } & Partial<
      LatestBody & RangeBody
    >;
    if (!res.ok || body.error) {
      ctx.stderr(
        `error: ${body.error?.code ?? res.status}: ${body.error?.message ?? res.statusText}\n`,
      );
      return 1;
    }
    const partial = body as { partial?: boolean; missing?: { delegate: string; error: string }[] };
    if (partial.partial) {
      for (const m of partial.missing ?? [])
        ctx.stderr(`warning: partial answer, ${m.delegate} did not answer: ${m.error}\n`);
    }
    if (output === 'json') ctx.stdout(JSON.stringify(body, null, 2) + '\n');
    else if (isRange) printRange(ctx.stdout, body as RangeBody, output);
    else printLatest(ctx.stdout, body as LatestBody, output);
    return 0;
  },
};

function printLatest(out: (s: string) => void, body: LatestBody, output: string): void {
  if (output === 'csv') {
    out('name,timestamp_ms,value,unit\n');
    for (const p of body.points)
      out(`${csv(p.name)},${p.timestampMs},${csv(String(p.value))},${csv(p.unit)}\n`);
    return;
  }
  const width = Math.max(4, ...body.points.map((p) => p.name.length));
  for (const p of body.points) {
    out(
      `${p.name.padEnd(width)}  ${new Date(p.timestampMs).toISOString()}  ${String(p.value)}${p.unit ? ' ' + p.unit : ''}\n`,
    );
  }
}

function printRange(out: (s: string) => void, body: RangeBody, output: string): void {
  if (output === 'csv') out('name,timestamp_ms,value\n');
  for (const s of body.series) {
    if (output === 'table') out(`${s.name}${s.unit ? ` (${s.unit})` : ''}\n`);
    for (const [t, v] of s.points) {
      out(
        output === 'csv' ? `${csv(s.name)},${t},${v}\n` : `  ${new Date(t).toISOString()}  ${v}\n`,
      );
    }
  }
}

function csv(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
