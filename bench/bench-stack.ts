import { startLocalStack } from '../src/cli/index.js';
import type { LocalStack } from '../src/cli/index.js';
import { silentLogger } from '../src/common/index.js';

/**
 * The whole stack in process for benchmarks: this machine's default /proc
 * plugins at 1 s into one aggregator, on ephemeral loopback ports, silent.
 */
export function benchStack(dataDir?: string): Promise<LocalStack> {
  return startLocalStack({
    bindHost: '127.0.0.1',
    apiPort: 0,
    wirePort: 0,
    putPort: 0,
    intervalMs: 1000,
    offsetMs: 0,
    ous: ['Bench'],
    host: 'bench-host',
    replayBufferBytes: 64 << 20,
    ...(dataDir === undefined ? {} : { dataDir }),
    logger: silentLogger,
  });
}
