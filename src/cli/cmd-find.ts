import { parseArgs } from 'node:util';
import { ClusterQuery } from '../controller/index.js';
import type { HostLocation } from '../controller/index.js';
import { globToRegExp } from '../sampler/index.js';
import { stringOptions } from './args.js';
import {
  apiJson,
  CLUSTER_OPTIONS,
  CLUSTER_USAGE,
  clusterName,
  coordUrl,
  table,
  withCoord,
} from './cluster-args.js';
import type { Command } from './command.js';
import { CliError } from './errors.js';

export const findCommand: Command = {
  name: 'find',
  summary: 'where the live data and archives of a host are (from the catalog)',
  usage: `canopy find HOST [options]

Looks HOST (a name or a glob such as node-1*) up in the controller's catalog and
prints which aggregator held it over which time span, whether that aggregator is
up, its API and archive directory.

Options:
${CLUSTER_USAGE}
  --output FMT         table or json (default table)
  --api URL            ask a node's API instead of the store (e.g. a running canopy up)
  -h, --help           show this help`,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.argv,
      options: stringOptions([...CLUSTER_OPTIONS, 'output', 'api']),
      allowPositionals: true,
      strict: true,
    });
    const pattern = positionals[0];
    if (!pattern) throw new CliError('CANOPY_ERR_BAD_OPTION', 'find needs a HOST (name or glob)');
    const re = globToRegExp(pattern);
    const cluster = clusterName(values.cluster);
    const found = values.api
      ? (
          await apiJson<{ hosts: HostLocation[] }>(
            values.api,
            `/api/find?host=${encodeURIComponent(pattern)}`,
          )
        ).hosts
      : await withCoord(coordUrl(values.coord), ctx.logger, (store) =>
          new ClusterQuery({ store, cluster }).find((h) => re.test(h)),
        );
    if (values.output === 'json') {
      ctx.stdout(JSON.stringify(found, null, 2) + '\n');
      return found.length > 0 ? 0 : 1;
    }
    if (found.length === 0) {
      ctx.stderr(`no host matching '${pattern}' in the catalog of cluster ${cluster}\n`);
      return 1;
    }
    const rows = found.flatMap((h) =>
      h.spans.map((s) => [
        h.host,
        s.aggregator,
        new Date(s.fromMs).toISOString(),
        s.toMs === undefined ? 'now (live)' : new Date(s.toMs).toISOString(),
        s.live ? 'up' : 'down',
        s.api ?? '-',
        s.archiveDir ?? '-',
      ]),
    );
    ctx.stdout(table(['HOST', 'AGGREGATOR', 'FROM', 'TO', 'STATE', 'API', 'ARCHIVE'], rows));
    return 0;
  },
};
