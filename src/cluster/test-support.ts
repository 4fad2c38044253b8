import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../common/index.js';
import { parseClusterConfig } from './load.js';

/** The repository root, from the compiled test's place in dist/src/cluster/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The complete example every test starts from. */
export const EXAMPLE_FILE = join(REPO_ROOT, 'examples/cluster.yaml');

export function exampleText(): string {
  return readFileSync(EXAMPLE_FILE, 'utf8');
}

/** The problems of `text` as `line:col path: message`; [] when it loads. */
export function problemsOf(text: string): string[] {
  try {
    parseClusterConfig(text, 'c.yaml');
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
}

/** A minimal valid cluster: two samplers, one aggregator, then `extra` appended. */
export function smallCluster(extra = ''): string {
  return `cluster: mini
daemons:
  - names: 'sampler-[1-2]'
    hosts: 'node-[1-2]'
    endpoints: [{ names: 'node-[1-2]-ep', ports: 10002 }]
  - names: agg-1
    hosts: agg-1
    endpoints: [{ names: agg-1-ep, ports: 7470 }]
aggregators:
  - daemons: agg-1
    peers: [{ daemons: 'sampler-[1-2]' }]
samplers:
  - daemons: 'sampler-[1-2]'
${extra}`;
}
