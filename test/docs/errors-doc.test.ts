import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-'))
      out.push(path);
  }
  return out;
}

const CODE_RE = /CANOPY_ERR_[A-Z0-9_]+/g;

test('every error code raised in src/ is documented in docs/errors.md, and no documented code is stale', () => {
  const used = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(CODE_RE)) used.add(m[0]);
  }
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(CODE_RE)].map((m) => m[0]));
  assert.ok(used.size > 20, `found ${used.size} codes in src`);
  const undocumented = [...used].filter((c) => !documented.has(c)).sort();
  const stale = [...documented].filter((c) => !used.has(c)).sort();
  assert.deepEqual(undocumented, [], 'codes used in src but missing from docs/errors.md');
  assert.deepEqual(stale, [], 'codes in docs/errors.md that src never uses');
});
