import { metric } from '../../model/index.js';
import type { MetricDef } from '../../model/index.js';
import type { PluginContext, SamplerPlugin } from '../plugin.js';
import { NameFilter } from './name-filter.js';
import { PluginOptions } from './plugin-options.js';
import { sanitizeToken } from './set-layout.js';
import { SingleSetPlugin } from './single-set-plugin.js';
import type { SingleSetSource } from './single-set-plugin.js';
import { CHAR, TextCursor } from './text-cursor.js';

/** The 16 columns of /proc/net/dev, receive then transmit: name, unit, description. */
const NETDEV_FIELDS: readonly (readonly [string, string, string])[] = [
  ['rx_bytes', 'bytes', 'bytes received'],
  ['rx_packets', 'packets', 'packets received'],
  ['rx_errs', 'errors', 'receive errors'],
  ['rx_drop', 'packets', 'received packets dropped'],
  ['rx_fifo', 'errors', 'receive FIFO overruns'],
  ['rx_frame', 'errors', 'receive framing errors'],
  ['rx_compressed', 'packets', 'compressed packets received'],
  ['rx_multicast', 'packets', 'multicast packets received'],
  ['tx_bytes', 'bytes', 'bytes sent'],
  ['tx_packets', 'packets', 'packets sent'],
  ['tx_errs', 'errors', 'transmit errors'],
  ['tx_drop', 'packets', 'packets dropped on send'],
  ['tx_fifo', 'errors', 'transmit FIFO overruns'],
  ['tx_colls', 'collisions', 'collisions detected'],
  ['tx_carrier', 'errors', 'carrier losses'],
  ['tx_compressed', 'packets', 'compressed packets sent'],
];

/**
 * A parser of /proc/net/dev keeping the interfaces `filter` accepts. Values
 * are appended interface by interface, 16 per interface; `layout` receives
 * the interface names.
 */
export function netdevParser(
  filter: NameFilter,
): (text: string, layout: string[], values: number[]) => void {
  return (text, layout, values) => {
    const cur = new TextCursor(text);
    // Two header lines ("Inter-|   Receive …" and " face |bytes …").
    cur.nextLine();
    cur.nextLine();
    while (!cur.eof()) {
      const iface = cur.token(CHAR.colon);
      if (iface.length > 0 && cur.accept(CHAR.colon) && filter.accepts(iface)) {
        for (let i = 0; i < NETDEV_FIELDS.length; i++) values.push(cur.uint());
        layout.push(iface);
      }
      cur.nextLine();
    }
  };
}

/** Metric definitions for a list of interface names. */
export function netdevMetrics(layout: readonly string[]): MetricDef[] {
  return layout.flatMap((iface) => {
    const token = sanitizeToken(iface);
    return NETDEV_FIELDS.map(([name, unit, description]) =>
      metric(`${token}:${name}`, 'u64', 'counter', unit, `${iface}: ${description}`),
    );
  });
}

/**
 * `netdev` plugin: one set `netdev` with `eth0:rx_bytes`-style counters for
 * every interface, all from one read of /proc/net/dev. Options: `include`,
 * `exclude` (regexes over interface names; default: every interface).
 */
export function createNetdevPlugin(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SamplerPlugin {
  const options = new PluginOptions('netdev', config, ['include', 'exclude']);
  const source: SingleSetSource = {
    name: 'netdev',
    file: 'net/dev',
    parse: netdevParser(NameFilter.fromOptions(options)),
    metrics: netdevMetrics,
    allowEmpty: true,
  };
  return new SingleSetPlugin(ctx, source);
}
