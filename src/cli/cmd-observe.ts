import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { authFrom, parseEndpoint, stringOptions } from './args.js';
import { apiCall } from './cluster-args.js';
import { connectWire } from '../protocol/index.js';
import type { JsonValue, Message } from '../protocol/index.js';
import { parseControl } from '../link/index.js';
import type { Command } from './command.js';
import { CliError } from './errors.js';

export const observeCommand: Command = {
  name: 'observe',
  summary: 'push an observation (event) to a node running SumStats',
  usage: `canopy observe --stream NAME --key KEY [--num N] [--str TEXT] [options]
canopy observe --file EVENTS.jsonl [options]

Sends observations to the SumStats of a node (POST /api/observe; loopback
only): one from the flags, or many from a file of JSON lines
{"stream": …, "key": …, "num": …, "str": …}. Without --num and --str the
observation counts one (num 1). See docs/sumstats.md.

  canopy observe --stream ssh.failed --key 10.0.0.5
  canopy observe --stream conn.attempt --key 10.0.0.5 --str 22

Options:
  --api URL            node API (default http://127.0.0.1:8470)
  --wire HOST:PORT     send over the wire protocol to an aggregator's listener instead
                       (batches of 1000, each acknowledged; any address, with --secret-file)
  --secret-file PATH   shared cluster secret for --wire (mode 600)
  --host NAME          the host the observation is about
  -h, --help           show this help`,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: stringOptions([
        'stream',
        'key',
        'num',
        'str',
        'host',
        'file',
        'api',
        'wire',
        'secret-file',
      ]),
      strict: true,
    });
    const events = values.file ? fromFile(values.file) : [fromFlags(values)];
    if (values.wire) {
      const accepted = await observeOverWire(values.wire, values['secret-file'], events);
      ctx.stdout(`accepted ${accepted}\n`);
      return 0;
    }
    const base = values.api ?? 'http://127.0.0.1:8470';
    const res = await apiCall(base, 'POST', '/api/observe', events);
    const body = res.body as { accepted?: number; error?: { code: string; message: string } };
    if (!res.ok) {
      ctx.stderr(
        `error: ${body.error?.code ?? res.status}: ${body.error?.message ?? 'HTTP error'}\n`,
      );
      return 1;
    }
    ctx.stdout(`accepted ${body.accepted ?? 0}\n`);
    return 0;
  },
};

function fromFlags(v: Partial<Record<'stream' | 'key' | 'num' | 'str' | 'host', string>>): object {
  if (!v.stream || v.key === undefined)
    throw new CliError('CANOPY_ERR_BAD_OPTION', 'observe needs --stream and --key (or --file)');
  const num = v.num === undefined ? (v.str === undefined ? 1 : undefined) : Number(v.num);
  if (num !== undefined && !Number.isFinite(num))
    throw new CliError('CANOPY_ERR_BAD_OPTION', `--num: '${v.num}' is not a number`);
  return {
    stream: v.stream,
    key: v.key,
    ...(num === undefined ? {} : { num }),
    ...(v.str === undefined ? {} : { str: v.str }),
    ...(v.host === undefined ? {} : { host: v.host }),
  };
}

function fromFile(file: string): unknown[] {
  const out: unknown[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        out.push(JSON.parse(line));
      } catch (err) {
        throw new CliError(
          'CANOPY_ERR_BAD_OPTION',
          `${file}:${i + 1}: not JSON: ${(err as Error).message}`,
        );
      }
    });
  return out;
}

const WIRE_BATCH = 1000;
const WIRE_TIMEOUT_MS = 10_000;

/** Send events in acknowledged batches over the wire protocol; resolves with how many were taken. */
async function observeOverWire(
  target: string,
  secretFile: string | undefined,
  events: unknown[],
): Promise<number> {
  const conn = await connectWire({
    ...parseEndpoint(target, 'wire'),
    role: 'client',
    name: `observe-${process.pid}`,
    auth: authFrom(secretFile),
    connectTimeoutMs: WIRE_TIMEOUT_MS,
  });
  const waiting = new Map<number, (m: { accepted: number; error?: string }) => void>();
  conn.onMessage((m: Message) => {
    if (m.type !== 'control') return;
    const c = parseControl(m.body);
    if (c?.op === 'observe-result') waiting.get(c.id)?.(c);
  });
  try {
    let accepted = 0;
    for (let i = 0, id = 1; i < events.length; i += WIRE_BATCH, id++) {
      const reply = new Promise<{ accepted: number; error?: string }>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new CliError(
                'CANOPY_ERR_PUT_TIMEOUT',
                `no answer from ${target} within ${WIRE_TIMEOUT_MS} ms`,
              ),
            ),
          WIRE_TIMEOUT_MS,
        );
        waiting.set(id, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
      conn.sendControl({
        op: 'observe',
        id,
        events: events.slice(i, i + WIRE_BATCH) as JsonValue[],
      });
      const r = await reply;
      if (r.error !== undefined)
        throw new CliError('CANOPY_ERR_PUT_REJECTED', `${target} refused batch ${id}: ${r.error}`);
      accepted += r.accepted;
    }
    return accepted;
  } finally {
    conn.close();
  }
}
