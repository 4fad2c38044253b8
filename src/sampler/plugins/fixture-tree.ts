import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { systemClock } from '../../common/index.js';
import type { PluginContext, PluginSample } from '../plugin.js';

/** Test support: a temporary directory standing in for /proc. */
export class FixtureTree {
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /** Create a tree holding `files` (paths relative to the root). */
  static async create(files: Readonly<Record<string, string>>): Promise<FixtureTree> {
    const tree = new FixtureTree(await mkdtemp(join(tmpdir(), 'canopy-proc-')));
    await tree.write(files);
    return tree;
  }

  /** Write (or overwrite in place, keeping the inode) each file. */
  async write(files: Readonly<Record<string, string>>): Promise<void> {
    for (const [path, text] of Object.entries(files)) {
      const full = join(this.root, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, text);
    }
  }

  /** Delete a file or a directory. */
  async remove(path: string): Promise<void> {
    await rm(join(this.root, path), { recursive: true, force: true });
  }

  /** A plugin context reading this tree. */
  context(): PluginContext {
    return { host: 'node-1', ous: ['Lab'], procRoot: this.root, clock: systemClock };
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Test support: the value of metric `name` in a plugin sample (throws when absent). */
export function valueOf(ps: PluginSample, name: string): number {
  const i = ps.set.schema.metrics.findIndex((m) => m.name === name);
  if (i < 0) throw new Error(`no metric ${name} in ${ps.set.groups.join(':')}`);
  return ps.sample.values[i]!;
}
