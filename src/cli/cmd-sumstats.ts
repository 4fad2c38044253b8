import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { stringOptions } from './args.js';
import { apiJson } from './cluster-args.js';
import type { Command, CommandContext } from './command.js';
import { CliError } from './errors.js';

const USAGE = `canopy sumstats SUBCOMMAND [options]

Subcommands:
  list                 definitions with their key counts, recent crossings and epoch results
  define FILE          add or replace definitions at run time (a YAML file with a 'sumstats:'
                       list, or one definition; docs/sumstats.md)
  remove NAME          drop a definition

Options:
  --api URL            node API (default http://127.0.0.1:8470; writes from loopback only)
  --output FMT         (list) table or json (default table)
  -h, --help           show this help`;

export const sumstatsCommand: Command = {
  name: 'sumstats',
  summary: 'list, define or remove summary statistics on a running node',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.argv,
      options: stringOptions(['api', 'output']),
      allowPositionals: true,
      strict: true,
    });
    const base = values.api ?? 'http://127.0.0.1:8470';
    const [sub, arg] = positionals;
    switch (sub) {
      case 'list': {
        const body = await apiJson<ListBody>(base, '/api/sumstats');
        ctx.stdout(
          values.output === 'json' ? JSON.stringify(body, null, 2) + '\n' : formatList(body),
        );
        return 0;
      }
      case 'define':
        return define(ctx, base, arg);
      case 'remove': {
        if (!arg) throw new CliError('CANOPY_ERR_BAD_OPTION', 'remove needs a NAME');
        await apiJson(base, `/api/sumstats?name=${encodeURIComponent(arg)}`, { method: 'DELETE' });
        ctx.stdout(`removed ${arg}\n`);
        return 0;
      }
      default:
        throw new CliError(
          'CANOPY_ERR_BAD_OPTION',
          `unknown subcommand '${sub ?? ''}'\n\n${USAGE}`,
        );
    }
  },
};

interface ListBody {
  sumstats: { name: string; epochMs: number | null; keys: number; bytes: number }[];
  crossings: { sumstat: string; key: string; value: number; threshold: number; atMs: number }[];
}

async function define(
  ctx: CommandContext,
  base: string,
  file: string | undefined,
): Promise<number> {
  if (!file) throw new CliError('CANOPY_ERR_BAD_OPTION', 'define needs a FILE');
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError('CANOPY_ERR_BAD_OPTION', `${file}: ${(err as Error).message}`);
  }
  const list = (doc as { sumstats?: unknown } | null)?.sumstats;
  const defs = Array.isArray(list) ? list : [doc];
  for (const def of defs) {
    const r = (await apiJson(base, '/api/sumstats', { method: 'POST', body: def })) as {
      defined: string;
      replaced: boolean;
    };
    ctx.stdout(`${r.replaced ? 'replaced' : 'defined'} ${r.defined}\n`);
  }
  return 0;
}

function formatList(b: ListBody): string {
  const rows = b.sumstats.map(
    (s) =>
      `${s.name.padEnd(24)} ${(s.epochMs === null ? 'manual' : `${s.epochMs / 1000}s`).padEnd(8)} ${String(s.keys).padStart(8)} keys ${String(s.bytes).padStart(10)} B`,
  );
  const crossings = b.crossings.map(
    (c) => `  ${new Date(c.atMs).toISOString()} ${c.sumstat} ${c.key}: ${c.value} ≥ ${c.threshold}`,
  );
  return (
    [...rows, ...(crossings.length > 0 ? ['', 'recent crossings:', ...crossings] : [])].join('\n') +
    '\n'
  );
}
