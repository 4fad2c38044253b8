import { parseArgs } from 'node:util';
import { stringOptions } from './args.js';
import { catalogRange } from './catalog-query.js';
import type { Command, CommandContext } from './command.js';
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

The argument is a selector, or an expression with functions (rate, sum by
(ou), topk, …; see docs/query.md), which is evaluated through /api/query.

Examples:
  canopy query 'Local::*:cpu:user'
  canopy query 'Local::*:loadavg:*' --from -5m --output csv
  canopy query 'Local::*:cpu:user' --from -2h --follow
  canopy query 'avg by (host) (rate(Lab::*:cpu:user))' --from -1h --step 1m

Options:
  --api URL            API base URL (default http://127.0.0.1:8470)
  --from TIME          range start (now, -2h, epoch, ISO); omitted = latest values
  --to TIME            range end (default now)
  --output FORMAT      table | json | csv (default table)
  --limit N            most series to return
  --step DUR           evaluate on a grid of this step (expressions, docs/query.md)
  --follow             print the range, then keep printing new points as they arrive (Ctrl-C stops)
  --catalog            ask every aggregator that held the matching hosts over the range (through
                       the controller's catalog: continuous across failovers; needs --from)
  --coord URL          coordination store for --catalog (default $CANOPY_COORD, else file:.canopy/coord)
  --cluster NAME       cluster for --catalog (default $CANOPY_CLUSTER, else local)
  -h, --help           show this help`,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: {
        ...stringOptions(['api', 'from', 'to', 'output', 'limit', 'step', 'coord', 'cluster']),
        follow: { type: 'boolean' },
        catalog: { type: 'boolean' },
      },
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
    if (values.catalog) {
      const body = await catalogRange(ctx, selector, values);
      if (output === 'json') ctx.stdout(JSON.stringify(body, null, 2) + '\n');
      else printRange(ctx.stdout, body, output);
      return body.missing.length > 0 ? 1 : 0;
    }
    const base = values.api ?? 'http://127.0.0.1:8470';
    const params = new URLSearchParams({ select: selector });
    if (values.limit) params.set('limit', values.limit);
    if (selector.includes('(') || values.step !== undefined) {
      if (values.follow)
        throw new CliError(
          'CANOPY_ERR_BAD_OPTION',
          '--follow takes a plain selector, not an expression',
        );
      return runExpression(ctx, base, selector, values, output);
    }
    const isRange = values.from !== undefined || values.follow === true;
    if (isRange) {
      params.set('from', values.from ?? '-5m');
      if (values.follow) params.set('follow', '1');
      else params.set('to', values.to ?? 'now');
    }
    const url = `${base}/api/${isRange ? 'range' : 'latest'}?${params.toString()}`;
    let res: Response;
    // Following ends when the process is asked to stop.
    const abort = new AbortController();
    void ctx.stopSignal.then(() => abort.abort());
    try {
      res = await fetch(url, { signal: abort.signal });
    } catch (err) {
      throw new CliError(
        'CANOPY_ERR_API_UNREACHABLE',
        `cannot reach ${base}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (values.follow && res.ok)
      return followStream(res, ctx, output).catch((err: unknown) =>
        abort.signal.aborted ? 0 : Promise.reject(err),
      );
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

/** Read server-sent events: the `range` event, then `points` events until the stream or the process ends. */
async function followStream(res: Response, ctx: CommandContext, output: string): Promise<number> {
  const decoder = new TextDecoder();
  let buf = '';
  let first = true;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || data === undefined) continue;
      const body = JSON.parse(data) as RangeBody & { error?: { code: string; message: string } };
      if (event === 'error') {
        ctx.stderr(`error: ${body.error?.code ?? '?'}: ${body.error?.message ?? ''}\n`);
        return 1;
      }
      const series = event === 'range' ? body.series : (JSON.parse(data) as RangeBody['series']);
      if (output === 'json') ctx.stdout(JSON.stringify({ event, series }) + '\n');
      else printPoints(ctx.stdout, series, output, first);
      first = false;
    }
  }
  return 0;
}

/** Follow output: one line per point, so new points stream as they come. */
function printPoints(
  out: (s: string) => void,
  series: RangeBody['series'],
  output: string,
  header: boolean,
): void {
  if (output === 'csv' && header) out('name,timestamp_ms,value\n');
  const rows = series
    .flatMap((s) => s.points.map(([t, v]) => [s.name, t, v] as const))
    .sort((a, b) => a[1] - b[1]);
  for (const [name, t, v] of rows)
    out(
      output === 'csv'
        ? `${csv(name)},${t},${v}\n`
        : `${new Date(t).toISOString()}  ${name}  ${v}\n`,
    );
}

/** An expression: evaluated by the API over the subtree, printed like a range. */
async function runExpression(
  ctx: CommandContext,
  base: string,
  text: string,
  values: { from?: string | undefined; to?: string | undefined; step?: string | undefined },
  output: string,
): Promise<number> {
  const params = new URLSearchParams({
    q: text,
    from: values.from ?? '-5m',
    to: values.to ?? 'now',
  });
  if (values.step) params.set('step', values.step);
  let res: Response;
  try {
    res = await fetch(`${base}/api/query?${params.toString()}`);
  } catch (err) {
    throw new CliError(
      'CANOPY_ERR_API_UNREACHABLE',
      `cannot reach ${base}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const body = (await res.json()) as RangeBody & {
    error?: { code: string; message: string };
    missing?: { delegate: string; error: string }[];
  };
  if (!res.ok || body.error) {
    ctx.stderr(
      `error: ${body.error?.code ?? res.status}: ${body.error?.message ?? res.statusText}\n`,
    );
    return 1;
  }
  for (const m of body.missing ?? [])
    ctx.stderr(`warning: partial answer, ${m.delegate} did not answer: ${m.error}\n`);
  if (output === 'json') ctx.stdout(JSON.stringify(body, null, 2) + '\n');
  else printRange(ctx.stdout, body, output);
  return 0;
}
