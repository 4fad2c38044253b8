import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../common/index.js';
import { loadClusterConfig } from './load.js';
import { REPO_ROOT } from './test-support.js';

const CORPUS = join(REPO_ROOT, 'test/config-corpus');
const cases = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('the corpus has at least 12 cases, each with an expectation', () => {
  assert.ok(cases.length >= 12, `${cases.length} cases`);
  const expects = readdirSync(CORPUS).filter((f) => f.endsWith('.expect'));
  assert.deepEqual(
    expects.sort(),
    cases.map((c) => c.replace(/\.yaml$/, '.expect')),
  );
});

for (const name of cases) {
  test(`config-corpus/${name}: every problem, located`, () => {
    const file = join(CORPUS, name);
    const expected = readFileSync(file.replace(/\.yaml$/, '.expect'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    let err: unknown;
    try {
      loadClusterConfig(file);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError, `${name} loaded, or threw ${String(err)}`);
    assert.equal(err.code, 'CANOPY_ERR_CONFIG');
    const got = err.problems.map(
      (p) => `${p.line}:${p.column} ${p.path === '' ? '(top level)' : p.path}: ${p.message}`,
    );
    assert.deepEqual(got, expected);
    // The message is the full `file:line:col path: message` list.
    assert.ok(err.message.startsWith(`${file}:${expected[0]}`), err.message);
  });
}
