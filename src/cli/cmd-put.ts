import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { METRIC_TYPES, SEMANTICS, validateSetInstance } from '../model/index.js';
import type { MetricType, Semantics, SetInstance, SetSample } from '../model/index.js';
import { connectWire } from '../protocol/index.js';
import type { AuthConfig } from '../protocol/index.js';
import { authFrom, durationOption, parseEndpoint, stringOptions } from './args.js';
import type { Command } from './command.js';
import { CliError } from './errors.js';
import { sanitizeHost } from './local-stack.js';

export const putCommand: Command = {
  name: 'put',
  summary: 'send one custom metric value (like gmetric)',
  usage: `canopy put --name NAME --value VALUE [options]

Sends one value to the local sampler (which buffers and forwards it) or
straight to an aggregator, and waits until it is acknowledged.

Options:
  --name NAME         metric name (required)
  --value VALUE       the value (required)
  --type TYPE         ${METRIC_TYPES.join(' | ')} (default f64)
  --unit UNIT         unit (default none)
  --semantics S       ${SEMANTICS.join(' | ')} (default instant)
  --group GROUP       metric group (default custom)
  --description TEXT  description
  --host NAME         report on behalf of this host (spoof; default this machine)
  --ou OU[:OU…]       organisational units (default Local)
  --to HOST:PORT      sampler put port or aggregator (default 127.0.0.1:7471)
  --secret-file PATH  shared cluster secret when the receiver requires one
  --timeout DUR       give up after this long (default 5s)
  -h, --help          show this help`,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: stringOptions([
        'name',
        'value',
        'type',
        'unit',
        'semantics',
        'group',
        'description',
        'host',
        'ou',
        'to',
        'secret-file',
        'timeout',
      ]),
      strict: true,
    });
    if (values.name === undefined)
      throw new CliError('CANOPY_ERR_BAD_OPTION', '--name is required');
    if (values.value === undefined)
      throw new CliError('CANOPY_ERR_BAD_OPTION', '--value is required');
    const type = (values.type ?? 'f64') as MetricType;
    if (!METRIC_TYPES.includes(type))
      throw new CliError(
        'CANOPY_ERR_BAD_OPTION',
        `--type: ${JSON.stringify(values.type)} is not one of ${METRIC_TYPES.join(', ')}`,
      );
    const semantics = (values.semantics ?? 'instant') as Semantics;
    if (!SEMANTICS.includes(semantics))
      throw new CliError(
        'CANOPY_ERR_BAD_OPTION',
        `--semantics: ${JSON.stringify(values.semantics)} is not one of ${SEMANTICS.join(', ')}`,
      );
    const group = values.group ?? 'custom';
    let set: SetInstance;
    try {
      set = validateSetInstance({
        ous: (values.ou ?? 'Local').split(':'),
        host: values.host ?? sanitizeHost(hostname()),
        groups: [group],
        schema: {
          name: group,
          metrics: [
            {
              name: values.name,
              type,
              unit: values.unit ?? '',
              semantics,
              description: values.description ?? '',
            },
          ],
        },
      });
    } catch (err) {
      throw new CliError('CANOPY_ERR_BAD_OPTION', (err as Error).message, { cause: err });
    }
    const sample = makeSample(type, values.value);
    const auth = authFrom(values['secret-file']);
    const to = parseEndpoint(values.to ?? '127.0.0.1:7471', 'to');
    const timeoutMs = durationOption(values.timeout, 'timeout', 5000);
    await sendOne(to, auth, set, sample, timeoutMs);
    ctx.stdout(
      `stored ${set.ous.join(':')}::${set.host}:${group}:${values.name} = ${values.value}\n`,
    );
    return 0;
  },
};

function makeSample(type: MetricType, text: string): SetSample {
  const timestampMs = Date.now();
  if (type === 'string') return { timestampMs, values: new Float64Array([NaN]), strings: [text] };
  const n = Number(text);
  if (text.trim() === '' || (Number.isNaN(n) && text.trim() !== 'NaN'))
    throw new CliError('CANOPY_ERR_BAD_OPTION', `--value: ${JSON.stringify(text)} is not a number`);
  if (type !== 'f64' && !Number.isInteger(n))
    throw new CliError(
      'CANOPY_ERR_BAD_OPTION',
      `--value: ${text} is not an integer (type ${type})`,
    );
  if (type === 'u64' && n < 0)
    throw new CliError('CANOPY_ERR_BAD_OPTION', `--value: ${text} is negative (type u64)`);
  return { timestampMs, values: new Float64Array([n]), strings: null };
}

async function sendOne(
  to: { host: string; port: number },
  auth: AuthConfig,
  set: SetInstance,
  sample: SetSample,
  timeoutMs: number,
): Promise<void> {
  const conn = await connectWire({
    ...to,
    role: 'client',
    name: `put-${process.pid}`,
    auth,
    connectTimeoutMs: timeoutMs,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new CliError(
              'CANOPY_ERR_PUT_TIMEOUT',
              `no acknowledgement from ${to.host}:${to.port} within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      conn.onMessage((m) => {
        if (m.type === 'ack' && m.seq >= 1) {
          clearTimeout(timer);
          resolve();
        } else if (m.type === 'error') {
          clearTimeout(timer);
          reject(
            new CliError(
              'CANOPY_ERR_PUT_REJECTED',
              `${to.host}:${to.port} refused the value: ${m.code} ${m.message}`,
            ),
          );
        }
      });
      conn.onClose((err) => {
        clearTimeout(timer);
        reject(
          err ??
            new CliError('CANOPY_ERR_PUT_REJECTED', 'connection closed before acknowledgement'),
        );
      });
      conn.sendSchema(1, set);
      conn.sendData(1, [{ setId: 1, sample }]);
    });
  } finally {
    conn.close();
  }
}
