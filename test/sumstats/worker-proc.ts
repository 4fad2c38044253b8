// Child process: a sumstats worker beside its own engine. argv[2] is JSON
// { name, port, manager }. Reads observation lines { k, p } on stdin;
// prints 'ready' once connected with the definitions.
import { createInterface } from 'node:readline';
import { silentLogger, systemClock } from '../../src/common/index.js';
import { SumStatsEngine } from '../../src/sumstats/index.js';
import { SumStatsWorker, dialSumStatsManager } from '../../src/sumstats/distributed/index.js';
import { TEST_AUTH, emit } from './support.js';

const cfg = JSON.parse(process.argv[2]!) as { name: string; port: number; manager: string };
let worker: SumStatsWorker | undefined = undefined;
const engine = new SumStatsEngine({
  clock: systemClock,
  logger: silentLogger,
  onNearThreshold: (s, k, v) => worker?.near(s, k, v),
});
worker = new SumStatsWorker({
  name: cfg.name,
  engine,
  managers: [cfg.manager],
  clock: systemClock,
  logger: silentLogger,
});
dialSumStatsManager(worker, {
  host: '127.0.0.1',
  port: cfg.port,
  auth: TEST_AUTH,
  clock: systemClock,
  logger: silentLogger,
});
const ready = setInterval(() => {
  if (engine.list().length > 0) {
    clearInterval(ready);
    emit({ ev: 'ready' });
  }
}, 10);
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const o = JSON.parse(line) as { k: string; p: string };
  engine.observe({ stream: 'conn.attempt', key: o.k, str: o.p, timeMs: Date.now() });
});
rl.on('close', () => process.exit(0));
