import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../common/index.js';
import { SamplerError } from '../errors.js';
import type { PluginContext } from '../plugin.js';
import { DEFAULT_PLUGINS, createPlugin, pluginNames } from './registry.js';

const CTX: PluginContext = { host: 'h', ous: ['Lab'], procRoot: '/proc', clock: systemClock };

function configError(name: string, config: unknown, option: string): void {
  assert.throws(
    () => createPlugin(name, CTX, config as Record<string, unknown>),
    (err: unknown) =>
      err instanceof SamplerError &&
      err.code === 'CANOPY_ERR_PLUGIN_CONFIG' &&
      err.message.includes(`plugin ${name}`) &&
      err.message.includes(`option ${option}`),
  );
}

describe('plugin registry', () => {
  it('knows the default /proc plugins, procstat and synthetic', () => {
    assert.deepEqual(pluginNames().sort(), [
      'cpu',
      'diskstats',
      'loadavg',
      'meminfo',
      'netdev',
      'procstat',
      'synthetic',
      'vmstat',
    ]);
    for (const name of DEFAULT_PLUGINS) assert.equal(createPlugin(name, CTX).name, name);
  });

  it('rejects unknown plugins and bad options, naming plugin and option', () => {
    configError('gpu', {}, 'plugin');
    configError('toString', {}, 'plugin');
    configError('cpu', { interval: 5 }, 'interval');
    configError('meminfo', [], '(options)');
    configError('diskstats', { include: '(' }, 'include');
    configError('netdev', { exclude: 3 }, 'exclude');
    configError('procstat', { match: 'sshd', by: 'memory' }, 'by');
    configError('procstat', { top: 0 }, 'top');
    configError('procstat', { cmdline: 'yes' }, 'cmdline');
    configError('synthetic', { hosts: 1.5 }, 'hosts');
  });
});
