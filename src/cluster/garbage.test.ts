import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../common/index.js';
import { parseClusterConfig } from './load.js';
import { exampleText } from './test-support.js';

/** Bits of cluster-file syntax to splice in, so mutations reach the checks past YAML parsing. */
const FRAGMENTS = [
  '*samplers',
  '&x',
  '*x',
  '[',
  ']',
  '{',
  '}',
  ':',
  ',',
  '- ',
  '~',
  'null',
  '0',
  '-1',
  '1.5s',
  'node-[1-',
  '[5-1]',
  "'",
  '"',
  '\n',
  '  ',
  'peers',
  'producers',
  'daemons: l3',
  'rdma',
  '.*(',
];

function mutate(text: string, edits: readonly [number, number, string][]): string {
  let out = text;
  for (const [at, del, insert] of edits) {
    const i = at % (out.length + 1);
    out = out.slice(0, i) + insert + out.slice(i + del);
  }
  return out;
}

test('a mutated example either loads or is a ConfigError listing located problems', () => {
  const base = exampleText();
  const edit = fc.tuple(
    fc.nat({ max: base.length }),
    fc.nat({ max: 12 }),
    fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })),
  );
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      const text = mutate(base, edits);
      try {
        const spec = parseClusterConfig(text, 'm.yaml');
        assert.ok(spec.daemons.length > 0);
      } catch (err) {
        assert.ok(err instanceof ConfigError, `${String(err)}\n--- input:\n${text}`);
        assert.ok(err.problems.length > 0);
        for (const p of err.problems) assert.ok(p.line >= 1 && p.column >= 1, JSON.stringify(p));
      }
    }),
    { numRuns: 400 },
  );
});
