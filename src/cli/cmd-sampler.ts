import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { systemClock } from '../common/index.js';
import { DEFAULT_PLUGINS, Sampler, loadSamplerConfig } from '../sampler/index.js';
import type { PluginSpec, SamplerConfig } from '../sampler/index.js';
import { authFrom, byteSizeOption, durationOption, parseEndpoint, stringOptions } from './args.js';
import type { Command } from './command.js';
import { CliError } from './errors.js';
import { sanitizeHost } from './local-stack.js';

export const samplerCommand: Command = {
  name: 'sampler',
  summary: 'run the per-host sampler daemon',
  usage: `canopy sampler [options]

Samples this host's /proc (and any other plugin) on a wall-clock aligned
schedule and pushes the sets to an aggregator, buffering while it is away.

Options:
  --config FILE            YAML config file (docs/sampler.md); options override it
  --aggregator HOST:PORT   where to push (omit to sample and buffer only)
  --plugins LIST           comma-separated plugins (default ${DEFAULT_PLUGINS.join(',')});
                           synthetic takes --synthetic-hosts/--synthetic-metrics/--seed
  --interval DUR           sampling interval (default 1s)
  --offset DUR             offset within the interval (default 0ms)
  --host NAME              host name in the namespace (default: this machine's)
  --ou OU[:OU…]            organisational units (default Local)
  --put-listen HOST:PORT   accept 'canopy put' and pulling aggregators (default 127.0.0.1:7471; 'off')
  --buffer SIZE            replay buffer bound (default 64MiB)
  --secret-file PATH       shared cluster secret (mode 600); without it auth is none (loopback only)
  --proc-root PATH         read /proc from elsewhere (testing)
  --synthetic-hosts N      hosts the synthetic plugin impersonates (default 10)
  --synthetic-metrics N    metrics per synthetic host (default 100)
  --seed N                 synthetic seed (default 1)
  --synthetic-prefix P     synthetic host names are P<n> (default synth-)
  --synthetic-first-host N number of the first synthetic host (default 0)
  -h, --help               show this help`,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: stringOptions([
        'config',
        'aggregator',
        'plugins',
        'interval',
        'offset',
        'host',
        'ou',
        'put-listen',
        'buffer',
        'secret-file',
        'proc-root',
        'synthetic-hosts',
        'synthetic-metrics',
        'seed',
        'synthetic-prefix',
        'synthetic-first-host',
      ]),
      strict: true,
    });
    const file = values.config ? loadSamplerConfig(values.config) : undefined;
    const intervalMs = durationOption(values.interval, 'interval', 1000);
    const offsetMs = durationOption(values.offset, 'offset', 0);
    if (offsetMs >= intervalMs) {
      throw new CliError('CANOPY_ERR_BAD_OPTION', `--offset must be less than --interval`);
    }
    const auth = authFrom(values['secret-file'] ?? file?.secretFile);
    const host = values.host ?? file?.host ?? sanitizeHost(hostname());
    const listen =
      values['put-listen'] ??
      (file ? (file.listen ? `${file.listen.host}:${file.listen.port}` : 'off') : '127.0.0.1:7471');
    const aggregator = values.aggregator
      ? parseEndpoint(values.aggregator, 'aggregator')
      : file?.aggregator;
    const sampler = new Sampler({
      name: file?.name ?? `sampler-${host}`,
      host,
      ous: (values.ou ?? file?.ous.join(':') ?? 'Local').split(':'),
      plugins: pluginSpecs(values, file, intervalMs, offsetMs),
      upstream: aggregator ? { ...aggregator, auth } : undefined,
      putListen: listen === 'off' ? undefined : { ...parseEndpoint(listen, 'put-listen'), auth },
      replayBufferBytes: byteSizeOption(
        values.buffer,
        'buffer',
        file?.replayBufferBytes ?? 64 * 1024 * 1024,
      ),
      sendFilter: file?.sendFilter,
      ...(values['proc-root'] === undefined ? {} : { procRoot: values['proc-root'] }),
      clock: systemClock,
      logger: ctx.logger,
    });
    const { putPort } = await sampler.start();
    ctx.stdout(`sampler running${putPort === undefined ? '' : `, put port ${putPort}`}\n`);
    await ctx.stopSignal;
    await sampler.shutdown();
    return 0;
  },
};

type SamplerFlags = Partial<
  Record<
    | 'plugins'
    | 'interval'
    | 'offset'
    | 'synthetic-hosts'
    | 'synthetic-metrics'
    | 'seed'
    | 'synthetic-prefix'
    | 'synthetic-first-host',
    string
  >
>;

/** Plugins from --plugins (with the synthetic flags), else from the file, else the /proc defaults. */
function pluginSpecs(
  values: SamplerFlags,
  file: SamplerConfig | undefined,
  intervalMs: number,
  offsetMs: number,
): PluginSpec[] {
  if (values.plugins === undefined && file) return file.plugins;
  const names = (values.plugins ?? DEFAULT_PLUGINS.join(','))
    .split(',')
    .filter((p) => p.length > 0);
  const synthetic = {
    hosts: Number(values['synthetic-hosts'] ?? 10),
    metrics: Number(values['synthetic-metrics'] ?? 100),
    seed: Number(values.seed ?? 1),
    hostPrefix: values['synthetic-prefix'] ?? 'synth-',
    firstHost: Number(values['synthetic-first-host'] ?? 0),
    intervalMs,
  };
  return names.map((name) => ({
    name,
    intervalMs,
    offsetMs,
    config: name === 'synthetic' ? synthetic : {},
  }));
}
