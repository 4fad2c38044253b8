// Child process: one sumstats manager listening on loopback. argv[2] is
// JSON { name, epochMs, drainTimeoutMs }. Prints JSON lines: listening,
// crossing, epoch.
import { silentLogger, systemClock } from '../../src/common/index.js';
import { SumStatsManager, listenSumStatsManager } from '../../src/sumstats/distributed/index.js';
import { TEST_AUTH, emit, scanDef } from './support.js';

const cfg = JSON.parse(process.argv[2]!) as {
  name: string;
  epochMs: number;
  drainTimeoutMs: number;
};
const manager = new SumStatsManager({
  name: cfg.name,
  clock: systemClock,
  logger: silentLogger,
  defs: [scanDef(cfg.epochMs)],
  drainTimeoutMs: cfg.drainTimeoutMs,
  onCrossing: (c) => emit({ ev: 'crossing', key: c.key, value: c.value, global: c.global }),
  onEpoch: (r) =>
    emit({
      ev: 'epoch',
      epochEndMs: r.epochEndMs,
      complete: r.complete,
      missing: r.missing,
      keys: r.keys.size,
      scanner: (r.keys.get('scanner')?.['ports'] as { count?: number } | undefined)?.count ?? 0,
    }),
});
const listener = await listenSumStatsManager(manager, {
  host: '127.0.0.1',
  port: 0,
  auth: TEST_AUTH,
  logger: silentLogger,
});
emit({ ev: 'listening', port: listener.port });
// Exit with the parent.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
const keepAlive = setInterval(() => undefined, 1 << 30);
process.on('SIGTERM', () => {
  clearInterval(keepAlive);
  process.exit(0);
});
