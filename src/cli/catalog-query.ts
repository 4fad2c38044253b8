import { parseTime } from '../api/index.js';
import { ClusterQuery } from '../controller/index.js';
import type { ClusterRange } from '../controller/index.js';
import { clusterName, coordUrl, withCoord } from './cluster-args.js';
import type { CommandContext } from './command.js';
import { CliError } from './errors.js';

/** `canopy query --catalog`: one range over every aggregator that held the hosts. */
export async function catalogRange(
  ctx: CommandContext,
  selector: string,
  values: {
    from?: string | undefined;
    to?: string | undefined;
    coord?: string | undefined;
    cluster?: string | undefined;
    follow?: boolean | undefined;
    step?: string | undefined;
  },
): Promise<ClusterRange> {
  if (
    values.from === undefined ||
    values.follow ||
    values.step !== undefined ||
    selector.includes('(')
  )
    throw new CliError(
      'CANOPY_ERR_BAD_OPTION',
      '--catalog takes a plain selector with --from (and --to), without --follow or --step',
    );
  const now = Date.now();
  const fromMs = parseTime(values.from, now, 'from');
  const toMs = parseTime(values.to ?? 'now', now, 'to');
  const cluster = clusterName(values.cluster);
  const body = await withCoord(coordUrl(values.coord), ctx.logger, (store) =>
    new ClusterQuery({ store, cluster }).range(selector, fromMs, toMs),
  );
  for (const m of body.missing)
    ctx.stderr(`warning: partial answer, ${m.aggregator} did not answer: ${m.error}\n`);
  return body;
}
